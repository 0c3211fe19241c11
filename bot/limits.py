"""Per-openid rate limiting of the webhook (all requests come from WeChat's servers: never per IP).

A moving window from the `limits` library (the one Flask-Limiter is built on), counted once per
message by the webhook. Flask-Limiter itself was dropped here: as an extension it hooks before, after
and at the teardown of every request of the app, which cost the webhook about a tenth of its CPU
(`python -m bench.profile`: 534 of 5,577 Python calls per message) for one counter increment.

Storage: Redis when REDIS_URL is set (shared by every process), memory otherwise. While Redis is
down, messages are counted in this process's memory with the same limit, and Redis is tried again
after RETRY_REDIS_AFTER: residents are still answered and still limited (per process), so a Redis
outage never turns into WeChat's "该公众号暂时无法提供服务". Short socket timeouts keep a hanging
Redis from eating WeChat's 5 seconds.
"""
from __future__ import annotations

import logging
import time

from limits import parse
from limits.errors import StorageError
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from server.core.settings import Settings

log = logging.getLogger(__name__)

RATE_LIMITED = "您发送得太频繁了，请稍等一分钟再发。"
RETRY_REDIS_AFTER = 30.0  # seconds of counting in memory after Redis failed once
REDIS_TIMEOUT = 0.3  # seconds, to connect and to answer


class OpenidRateLimiter:
    """`allow(openid)` counts one message of `openid` and says whether it is within the limit."""

    def __init__(self, settings: Settings) -> None:
        self.limit = parse(settings.bot_rate_limit)
        self.scope = f"{settings.redis_prefix}:bot:{settings.wechat_app_id or settings.sandbox_app_id}"
        self._memory = MovingWindowRateLimiter(MemoryStorage())
        self._shared = None
        if settings.redis_url:
            storage = storage_from_string(settings.redis_url, socket_connect_timeout=REDIS_TIMEOUT,
                                          socket_timeout=REDIS_TIMEOUT, wrap_exceptions=True)
            self._shared = MovingWindowRateLimiter(storage)
        self._redis_retry_at = 0.0

    def allow(self, openid: str) -> bool:
        if self._shared is not None and time.monotonic() >= self._redis_retry_at:
            try:
                return self._shared.hit(self.limit, self.scope, openid)
            except StorageError as exc:
                log.warning("rate limit storage unreachable, counting in memory for %.0f s: %s",
                            RETRY_REDIS_AFTER, exc)
                self._redis_retry_at = time.monotonic() + RETRY_REDIS_AFTER
        return self._memory.hit(self.limit, self.scope, openid)
