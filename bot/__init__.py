"""The WeChat official-account webhook: verify, decrypt, parse, rate-limit, then server.chat."""
from __future__ import annotations

from flask import Flask

from server.core.settings import Settings


def init_bot(app: Flask, settings: Settings) -> None:
    """Mount the webhook at /wechat with its own per-openid rate limiter and its journalling intake."""
    from bot.journal import Intake
    from bot.limits import OpenidRateLimiter
    from bot.webhook import build_blueprint

    limiter = OpenidRateLimiter(settings)
    intake = Intake(settings.bot_db_budget_seconds)
    app.extensions["minyi_bot_limiter"] = limiter
    app.extensions["minyi_bot_intake"] = intake
    app.register_blueprint(build_blueprint(limiter, intake))
