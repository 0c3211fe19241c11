"""Minyi's web application: create_app() builds it; nothing is built at import time."""
from __future__ import annotations

from typing import Any

from flask import Flask
from flask_openapi3 import OpenAPI

from server.core.clock import Clock
from server.core.runtime import Runtime, build_runtime
from server.core.settings import Settings, load_settings


def create_app(config: dict[str, Any] | Settings | None = None, *, clock: Clock | None = None,
               runtime: Runtime | None = None) -> Flask:
    """Build the app from the environment; `config` overrides variables by name (e.g. DATABASE_URL)."""
    settings = config if isinstance(config, Settings) else load_settings(config)
    runtime = runtime or build_runtime(settings, clock=clock)
    import miniapp_api

    # flask-openapi3's app class: a Flask app that also collects the /api/v1 OpenAPI document.
    app = OpenAPI(__name__, instance_path=str(settings.instance_dir.resolve()), **miniapp_api.openapi_options())
    app.config.update(SECRET_KEY=settings.secret_key, MAX_CONTENT_LENGTH=100 * 1024 * 1024,
                      JSON_AS_ASCII=False, TESTING=settings.env == "testing",
                      # the console's session cookie: never read by scripts, not sent cross-site, HTTPS-only
                      # when the product is served over HTTPS
                      SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                      SESSION_COOKIE_SECURE=settings.public_url.startswith("https://"),
                      SESSION_COOKIE_NAME="minyi_session")
    app.json.ensure_ascii = False
    app.extensions["minyi"] = runtime

    from server.console import register_console
    from server.web.api_docs import bp as api_docs_bp
    from server.web.case_page import bp as case_page_bp
    from server.web.dashboard import bp as dashboard_bp
    from server.web.errors import register_error_handlers
    from server.web.halls import bp as halls_web_bp
    from server.web.health import bp as health_bp
    from server.web.landing import bp as landing_bp
    from server.web.security_headers import register_security_headers
    from server.web.stations import bp as stations_web_bp

    register_error_handlers(app)
    register_security_headers(app)
    app.register_blueprint(landing_bp)
    app.register_blueprint(api_docs_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(halls_web_bp)
    app.register_blueprint(case_page_bp)
    app.register_blueprint(stations_web_bp)
    register_console(app)
    miniapp_api.register_api(app)

    from bot import init_bot

    init_bot(app, settings)
    from server.web.access_log import RequestLog
    from server.web.metrics import bp as metrics_bp

    app.register_blueprint(metrics_bp)
    app.wsgi_app = RequestLog(app.wsgi_app)  # a request id for every request, and the access line
    if settings.sandbox_enabled:
        from server.sandbox import register_sandbox_api
        from server.sandbox.page import bp as sandbox_page_bp
        from server.sandbox.user import bp as sandbox_user_bp

        register_sandbox_api(app)
        app.register_blueprint(sandbox_user_bp)
        app.register_blueprint(sandbox_page_bp)
    return app
