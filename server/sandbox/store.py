"""Where the sandbox keeps what it knows: one interface, in process memory or in Redis.

A single process (`make serve`) keeps it in memory. Several web processes (gunicorn workers) must
share it, or a push delivered through one worker, a token it issued, a media file uploaded to it or a
fault injected into it would be unknown to the others: with REDIS_URL set, server/sandbox/redis_store.py
keeps it in Redis. Both stores are bounded (the last pushes per user, the last calls, media that
expire) and make each update atomic; SandboxState (state.py) holds the sandbox's rules on top.
"""
from __future__ import annotations

import itertools
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Protocol


@dataclass(frozen=True)
class Token:
    value: str
    appid: str
    kind: str  # "token" (cgi-bin/token) or "stable" (cgi-bin/stable_token); WeChat keeps them apart
    expires_at: datetime
    invalid_after: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"value": self.value, "appid": self.appid, "kind": self.kind,
                "expires_at": self.expires_at.isoformat(),
                "invalid_after": self.invalid_after.isoformat() if self.invalid_after else None}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Token:
        invalid_after = data.get("invalid_after")
        return cls(value=data["value"], appid=data["appid"], kind=data["kind"],
                   expires_at=datetime.fromisoformat(data["expires_at"]),
                   invalid_after=datetime.fromisoformat(invalid_after) if invalid_after else None)


@dataclass
class Fault:
    path: str
    mode: str  # http500 | timeout | errcode
    errcode: int | None
    times: int | None  # None: until cleared
    delay: float | None

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "mode": self.mode, "errcode": self.errcode, "times": self.times,
                "delay": self.delay}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Fault:
        delay = data.get("delay")
        return cls(path=data["path"], mode=data["mode"], errcode=data.get("errcode"), times=data.get("times"),
                   delay=float(delay) if delay is not None else None)


@dataclass(frozen=True)
class User:
    following: bool = True
    last_message_at: datetime | None = None
    refuses_subscription: bool = False


@dataclass(frozen=True)
class Limits:
    pushes_per_user: int = 200
    calls: int = 2000
    media: int = 500  # files kept in process memory; Redis relies on the TTL alone
    media_ttl: timedelta = timedelta(days=3)  # WeChat keeps temporary media three days
    call_ttl: timedelta = timedelta(days=1)
    user_ttl: timedelta = timedelta(days=30)
    token_ttl: timedelta = timedelta(hours=5)  # Redis only: long past any token's life and grace


class SandboxStore(Protocol):
    """What SandboxState needs kept; every method is one atomic step, safe across threads (and, for the
    Redis store, across processes). Token updates that read then write go inside `tokens_lock()`."""

    def user(self, openid: str) -> User: ...
    def update_user(self, openid: str, **fields: Any) -> None: ...

    def add_push(self, openid: str, item: dict[str, Any]) -> None: ...
    def pushes(self, openid: str) -> list[dict[str, Any]]: ...
    def clear_pushes(self) -> None: ...

    def put_media(self, media_id: str, data: bytes, content_type: str) -> None: ...
    def media(self, media_id: str) -> tuple[bytes, str] | None: ...

    def add_call(self, call: dict[str, Any]) -> int: ...
    def save_call(self, call: dict[str, Any]) -> None: ...
    def calls(self) -> list[dict[str, Any]]: ...
    def clear_calls(self) -> None: ...

    def add_fault(self, fault: Fault) -> None: ...
    def faults(self) -> list[Fault]: ...
    def clear_faults(self) -> None: ...
    def take_fault(self, path: str) -> Fault | None: ...

    def tokens_lock(self) -> AbstractContextManager[None]: ...
    def token(self, value: str) -> Token | None: ...
    def tokens(self) -> list[Token]: ...
    def put_tokens(self, tokens: list[Token]) -> None: ...
    def drop_tokens(self, values: list[str]) -> None: ...


class MemorySandboxStore:
    """The store of a single process: dictionaries behind one lock."""

    def __init__(self, limits: Limits | None = None, *, monotonic=time.monotonic) -> None:
        self.limits = limits or Limits()
        self._monotonic = monotonic
        self._lock = threading.RLock()
        self._users: dict[str, User] = {}
        self._pushes: dict[str, deque[dict[str, Any]]] = {}
        self._media: dict[str, tuple[bytes, str, float]] = {}
        self._calls: dict[int, dict[str, Any]] = {}
        self._call_ids = itertools.count(1)
        self._faults: list[Fault] = []
        self._tokens: dict[str, Token] = {}

    # --- users and pushes ------------------------------------------------------------------------
    def user(self, openid: str) -> User:
        with self._lock:
            return self._users.get(openid, User())

    def update_user(self, openid: str, **fields: Any) -> None:
        with self._lock:
            self._users[openid] = replace(self._users.get(openid, User()), **fields)

    def add_push(self, openid: str, item: dict[str, Any]) -> None:
        with self._lock:
            self._pushes.setdefault(openid, deque(maxlen=self.limits.pushes_per_user)).append(dict(item))

    def pushes(self, openid: str) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(item) for item in self._pushes.get(openid, ())]

    def clear_pushes(self) -> None:
        with self._lock:
            self._pushes.clear()

    # --- media -----------------------------------------------------------------------------------
    def put_media(self, media_id: str, data: bytes, content_type: str) -> None:
        with self._lock:
            now = self._monotonic()
            for stale in [key for key, (_, _, expires) in self._media.items() if expires <= now]:
                del self._media[stale]
            self._media.pop(media_id, None)
            self._media[media_id] = (data, content_type, now + self.limits.media_ttl.total_seconds())
            while len(self._media) > self.limits.media:
                del self._media[next(iter(self._media))]  # the oldest upload

    def media(self, media_id: str) -> tuple[bytes, str] | None:
        with self._lock:
            found = self._media.get(media_id)
            if found is None or found[2] <= self._monotonic():
                return None
            return found[0], found[1]

    # --- the call log ----------------------------------------------------------------------------
    def add_call(self, call: dict[str, Any]) -> int:
        with self._lock:
            call_id = next(self._call_ids)
            self._calls[call_id] = {**call, "id": call_id}
            while len(self._calls) > self.limits.calls:
                del self._calls[next(iter(self._calls))]
            return call_id

    def save_call(self, call: dict[str, Any]) -> None:
        with self._lock:
            if call["id"] in self._calls:  # not cleared or trimmed meanwhile
                self._calls[call["id"]] = dict(call)

    def calls(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(call) for call in self._calls.values()]

    def clear_calls(self) -> None:
        with self._lock:
            self._calls.clear()
            self._call_ids = itertools.count(1)

    # --- faults ----------------------------------------------------------------------------------
    def add_fault(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(replace(fault))

    def faults(self) -> list[Fault]:
        with self._lock:
            return [replace(fault) for fault in self._faults]

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def take_fault(self, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.path == path:
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times <= 0:
                            self._faults.remove(fault)
                    return replace(fault)
            return None

    # --- tokens ----------------------------------------------------------------------------------
    @contextmanager
    def tokens_lock(self) -> Iterator[None]:
        with self._lock:
            yield

    def token(self, value: str) -> Token | None:
        with self._lock:
            return self._tokens.get(value)

    def tokens(self) -> list[Token]:
        with self._lock:
            return list(self._tokens.values())

    def put_tokens(self, tokens: list[Token]) -> None:
        with self._lock:
            self._tokens.update((token.value, token) for token in tokens)

    def drop_tokens(self, values: list[str]) -> None:
        with self._lock:
            for value in values:
                self._tokens.pop(value, None)
