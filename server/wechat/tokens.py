"""One access token per WeChat app for all processes, refreshed once per invalidation.

The token lives in wechatpy's session storage under wechatpy's own key (`<appid>_access_token`):
RedisStorage when REDIS_URL is set, so every process shares it, else an in-process memory storage.
Next to it we keep a *version* (a random string written after each refresh). A caller remembers
the version it used; after a 40001 it asks for a refresh "past that version": if someone else has
refreshed meanwhile the new token is simply reused, otherwise one caller takes the lock (Redis
`SET NX PX` via redis-py's Lock, or a thread lock without Redis) and fetches. So a burst of 40001
answers in many threads and processes causes one fetch, even when the new token equals the old.
"""
from __future__ import annotations

import contextlib
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from wechatpy.session import SessionStorage
from wechatpy.session.redisstorage import RedisStorage

from server.wechat.errors import WeChatTransientError

LOCK_SECONDS = 10.0
POLL_SECONDS = 0.05


class ExpiringMemoryStorage(SessionStorage):
    """wechatpy's MemoryStorage ignores the TTL; this one honours it (one process only)."""

    def __init__(self) -> None:
        self._data: dict[str, tuple[Any, float | None]] = {}
        self._lock = threading.Lock()

    def get(self, key: str, default: Any = None) -> Any:
        with self._lock:
            value, deadline = self._data.get(key, (default, None))
            if deadline is not None and time.monotonic() >= deadline:
                self._data.pop(key, None)
                return default
            return value

    def set(self, key: str, value: Any, ttl: int | None = None) -> None:
        if value is None:
            return
        with self._lock:
            self._data[key] = (value, time.monotonic() + ttl if ttl else None)

    def delete(self, key: str) -> None:
        with self._lock:
            self._data.pop(key, None)


class _ThreadLock:
    def __init__(self) -> None:
        self._lock = threading.Lock()

    def acquire(self) -> bool:
        return self._lock.acquire(blocking=False)

    def release(self) -> None:
        self._lock.release()


class _RedisLock:
    """SET NX with an expiry, so a crashed holder cannot block refreshes for longer than LOCK_SECONDS."""

    def __init__(self, redis: Any, name: str) -> None:
        self._lock = redis.lock(name, timeout=LOCK_SECONDS, blocking=False)

    def acquire(self) -> bool:
        return bool(self._lock.acquire(blocking=False))

    def release(self) -> None:
        from redis.exceptions import LockError

        # LockError: it expired while we fetched and someone else may hold it now, which is fine.
        with contextlib.suppress(LockError):
            self._lock.release()


def make_storage(redis: Any | None, prefix: str) -> SessionStorage:
    return RedisStorage(redis, prefix=prefix) if redis is not None else ExpiringMemoryStorage()


def token_ttl(expires_in: int) -> int:
    """Keep the token a little shorter than WeChat does, so nobody uses it in its last minute."""
    return expires_in - 60 if expires_in > 120 else max(expires_in // 2, 1)


class SharedToken:
    """The access token of one app; `fetch` asks WeChat for one and returns (token, expires_in)."""

    def __init__(self, storage: SessionStorage, appid: str, fetch: Callable[[], tuple[str, int]],
                 redis: Any | None = None, lock_prefix: str = "minyi:wechat") -> None:
        self.storage = storage
        self.key = f"{appid}_access_token"
        self.version_key = f"{appid}_access_token_version"
        self._fetch = fetch
        self._lock = _RedisLock(redis, f"{lock_prefix}:{appid}:token-lock") if redis is not None else _ThreadLock()
        self.fetches = 0  # how many times this process asked WeChat; for logs and tests

    def current(self) -> tuple[str | None, str | None]:
        # Version first: a refresh writes the token before the version, so we never pair an old
        # version with a token older than it.
        version = self.storage.get(self.version_key)
        return self.storage.get(self.key), version

    def get(self) -> tuple[str, str | None]:
        """The token to use now and its version; fetches one if none is stored."""
        token, version = self.current()
        if token:
            return token, version
        return self.refresh(past_version=version), self.storage.get(self.version_key)

    def refresh(self, *, past_version: str | None) -> str:
        """A token newer than `past_version`: someone else's fresh one, or one we fetch under the lock."""
        deadline = time.monotonic() + LOCK_SECONDS
        while True:
            token, version = self.current()
            if token and version != past_version:
                return token
            if self._lock.acquire():
                try:
                    token, version = self.current()
                    if token and version != past_version:
                        return token
                    return self._fetch_and_store()
                finally:
                    self._lock.release()
            if time.monotonic() > deadline:
                raise WeChatTransientError("another process is refreshing the access token", api="token")
            time.sleep(POLL_SECONDS)

    def _fetch_and_store(self) -> str:
        token, expires_in = self._fetch()
        self.fetches += 1
        self.storage.set(self.key, token, token_ttl(expires_in))
        self.storage.set(self.version_key, uuid.uuid4().hex)
        return token
