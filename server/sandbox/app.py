"""The sandbox on its own (`minyi sandbox --port N`): WeChat's API side, the user side and the chat
page, posting to a bot served elsewhere. Point that server's WECHAT_API_BASE at this one's
/sandbox/api so its pushes arrive here."""
from __future__ import annotations

from flask import Flask

from server.core.runtime import build_runtime
from server.core.settings import Settings


def create_sandbox_app(settings: Settings, *, bot_url: str) -> Flask:
    """`bot_url` is the webhook the simulated users post to, e.g. http://127.0.0.1:5000/wechat."""
    from server.sandbox import register_sandbox_api
    from server.sandbox.page import bp as page_bp
    from server.sandbox.user import bp as user_bp
    from server.web.errors import register_error_handlers

    app = Flask(__name__)
    app.config.update(SANDBOX_BOT_URL=bot_url, JSON_AS_ASCII=False)
    app.json.ensure_ascii = False
    # The user side lists deputies and makes bind codes from the same database as the bot.
    app.extensions["minyi"] = build_runtime(settings)
    register_error_handlers(app)
    register_sandbox_api(app)
    app.register_blueprint(user_bp)
    app.register_blueprint(page_bp)
    return app
