"""Per-openid rate limiting of the webhook (all requests come from WeChat's servers: never per IP).

Storage: Redis when REDIS_URL is set (shared by every process), memory otherwise. While Redis is
down, Flask-Limiter falls back to in-process memory with the same limits and checks Redis again
every so often: residents are still answered and still limited (per process) — a Redis outage
never turns into WeChat's "该公众号暂时无法提供服务". Short socket timeouts keep a hanging Redis
from eating WeChat's 5 seconds.
"""
from __future__ import annotations

from flask import Flask, g
from flask_limiter import Limiter

from server.config import Settings

RATE_LIMITED = "您发送得太频繁了，请稍等一分钟再发。"


def openid_key() -> str:
    """The sender of the message being handled (set once the envelope is opened and trusted)."""
    envelope = g.get("wechat_envelope")
    return f"openid:{envelope.fields['openid']}" if envelope is not None else ""


def build_limiter(app: Flask, settings: Settings) -> Limiter:
    redis = settings.redis_url
    limiter = Limiter(
        key_func=openid_key,
        storage_uri=redis or "memory://",
        storage_options={"socket_connect_timeout": 0.3, "socket_timeout": 0.3} if redis else {},
        strategy="moving-window",
        in_memory_fallback_enabled=True,
        key_prefix=f"{settings.redis_prefix}:bot:{settings.wechat_app_id or settings.sandbox_app_id}",
        headers_enabled=False,
    )
    limiter.init_app(app)
    return limiter
