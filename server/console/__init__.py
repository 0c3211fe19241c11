"""The governance end (治理端): one web console for street offices, units, the district and organisers.

Server-rendered Jinja pages with htmx for the small live parts; every action calls a feature's
services, so the rules are the same as in chat and the mini-program API.
"""
from __future__ import annotations

from flask import Flask
from flask_wtf.csrf import CSRFError

from server.web.errors import error_response


def register_console(app: Flask) -> None:
    from server.console import pages  # noqa: F401  (the page modules add their routes and menu items)
    from server.console.blueprint import bp, csrf
    from server.console.formatting import register_filters

    # CSRF is checked by the console's own before_request: the webhook, the API (bearer tokens) and the
    # sandbox API take no cookies, so a global check would only get in their way.
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # the token lives as long as the signed-in session
    csrf.init_app(app)
    register_filters(app)
    app.register_blueprint(bp)

    @app.errorhandler(CSRFError)
    def _csrf_failed(exc: CSRFError):
        return error_response("csrf_failed", "页面已过期或来源不明，请刷新页面后重试", 400)
