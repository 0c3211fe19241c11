"""The sandbox's store in Redis, shared by every web process of one deployment (see store.py).

Keys, all under `<MINYI_REDIS_PREFIX>:sandbox:`:
    user:<openid>      hash: following, last_message_at, refuses_subscription
    pushes:<openid>    list of JSON pushes, the newest last, trimmed to the last N; push-openids: set
    media:<id>         hash: data, content_type, expiring like WeChat's temporary media
    calls              list of call ids (the last N); call:<id> JSON, expiring; calls:next the counter
    faults             list of JSON faults; one Lua script finds, counts and removes atomically
    tokens             hash value -> JSON token; read-then-write updates hold tokens:lock (SET NX PX)
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from server.sandbox.store import Fault, Limits, Token, User

# The first fault for a path, one use of it counted, removed at its last use; nil when none.
TAKE_FAULT = """
local faults = redis.call('LRANGE', KEYS[1], 0, -1)
for index, raw in ipairs(faults) do
  local fault = cjson.decode(raw)
  if fault.path == ARGV[1] then
    if fault.times ~= cjson.null then
      fault.times = fault.times - 1
      if fault.times <= 0 then
        redis.call('LSET', KEYS[1], index - 1, '__taken__')
        redis.call('LREM', KEYS[1], 1, '__taken__')
      else
        redis.call('LSET', KEYS[1], index - 1, cjson.encode(fault))
      end
    end
    return cjson.encode(fault)
  end
end
return false
"""
LOCK_SECONDS = 10


def _seconds(limit) -> int:
    return max(1, int(limit.total_seconds()))


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class RedisSandboxStore:
    def __init__(self, redis: Any, prefix: str, limits: Limits | None = None) -> None:
        self.redis, self.prefix = redis, prefix.rstrip(":") + ":"
        self.limits = limits or Limits()
        self._take_fault = redis.register_script(TAKE_FAULT)

    def _key(self, *parts: str) -> str:
        return self.prefix + ":".join(parts)

    # --- users and pushes ------------------------------------------------------------------------
    def user(self, openid: str) -> User:
        fields = {_text(k): _text(v) for k, v in self.redis.hgetall(self._key("user", openid)).items()}
        last = fields.get("last_message_at")
        return User(following=fields.get("following", "1") == "1",
                    last_message_at=datetime.fromisoformat(last) if last else None,
                    refuses_subscription=fields.get("refuses_subscription", "0") == "1")

    def update_user(self, openid: str, **fields: Any) -> None:
        mapping = {name: (value.isoformat() if isinstance(value, datetime) else "1" if value else "0")
                   for name, value in fields.items()}
        key = self._key("user", openid)
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping=mapping).expire(key, _seconds(self.limits.user_ttl)).execute()

    def add_push(self, openid: str, item: dict[str, Any]) -> None:
        key, keep = self._key("pushes", openid), self.limits.pushes_per_user
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.rpush(key, json.dumps(item, ensure_ascii=False)).ltrim(key, -keep, -1)
            pipe.expire(key, _seconds(self.limits.user_ttl)).sadd(self._key("push-openids"), openid)
            pipe.expire(self._key("push-openids"), _seconds(self.limits.user_ttl)).execute()

    def pushes(self, openid: str) -> list[dict[str, Any]]:
        return [json.loads(raw) for raw in self.redis.lrange(self._key("pushes", openid), 0, -1)]

    def clear_pushes(self) -> None:
        openids = [_text(openid) for openid in self.redis.smembers(self._key("push-openids"))]
        self.redis.delete(self._key("push-openids"), *(self._key("pushes", openid) for openid in openids))

    # --- media -----------------------------------------------------------------------------------
    def put_media(self, media_id: str, data: bytes, content_type: str) -> None:
        key = self._key("media", media_id)
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(key).hset(key, mapping={"data": data, "content_type": content_type})
            pipe.expire(key, _seconds(self.limits.media_ttl)).execute()

    def media(self, media_id: str) -> tuple[bytes, str] | None:
        data, content_type = self.redis.hmget(self._key("media", media_id), "data", "content_type")
        return None if data is None or content_type is None else (bytes(data), _text(content_type))

    # --- the call log ----------------------------------------------------------------------------
    def add_call(self, call: dict[str, Any]) -> int:
        call_id = int(self.redis.incr(self._key("calls", "next")))
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(self._key("call", str(call_id)), json.dumps({**call, "id": call_id}, default=str),
                     ex=_seconds(self.limits.call_ttl))
            pipe.rpush(self._key("calls"), call_id).ltrim(self._key("calls"), -self.limits.calls, -1).execute()
        return call_id

    def save_call(self, call: dict[str, Any]) -> None:
        # xx: a call cleared (or trimmed and expired) meanwhile stays forgotten
        self.redis.set(self._key("call", str(call["id"])), json.dumps(call, default=str),
                       ex=_seconds(self.limits.call_ttl), xx=True)

    def calls(self) -> list[dict[str, Any]]:
        ids = [_text(call_id) for call_id in self.redis.lrange(self._key("calls"), 0, -1)]
        if not ids:
            return []
        found = self.redis.mget([self._key("call", call_id) for call_id in ids])
        return [json.loads(raw) for raw in found if raw is not None]

    def clear_calls(self) -> None:
        ids = [_text(call_id) for call_id in self.redis.lrange(self._key("calls"), 0, -1)]
        self.redis.delete(self._key("calls"), self._key("calls", "next"),
                          *(self._key("call", call_id) for call_id in ids))

    # --- faults ----------------------------------------------------------------------------------
    def add_fault(self, fault: Fault) -> None:
        self.redis.rpush(self._key("faults"), json.dumps(fault.as_dict()))

    def faults(self) -> list[Fault]:
        return [Fault.from_dict(json.loads(raw)) for raw in self.redis.lrange(self._key("faults"), 0, -1)]

    def clear_faults(self) -> None:
        self.redis.delete(self._key("faults"))

    def take_fault(self, path: str) -> Fault | None:
        raw = self._take_fault(keys=[self._key("faults")], args=[path])
        return Fault.from_dict(json.loads(raw)) if raw else None

    # --- tokens ----------------------------------------------------------------------------------
    @contextmanager
    def tokens_lock(self) -> Iterator[None]:
        with self.redis.lock(self._key("tokens", "lock"), timeout=LOCK_SECONDS, blocking_timeout=LOCK_SECONDS):
            yield

    def token(self, value: str) -> Token | None:
        raw = self.redis.hget(self._key("tokens"), value)
        return Token.from_dict(json.loads(raw)) if raw else None

    def tokens(self) -> list[Token]:
        return [Token.from_dict(json.loads(raw)) for raw in self.redis.hvals(self._key("tokens"))]

    def put_tokens(self, tokens: list[Token]) -> None:
        if not tokens:
            return
        key = self._key("tokens")
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping={token.value: json.dumps(token.as_dict()) for token in tokens})
            pipe.expire(key, _seconds(self.limits.token_ttl)).execute()

    def drop_tokens(self, values: list[str]) -> None:
        if values:
            self.redis.hdel(self._key("tokens"), *values)
