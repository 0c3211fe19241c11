"""The sandbox: a local WeChat platform, served at /sandbox while no real WeChat app is configured."""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from flask import Flask

from server.sandbox.endpoints import openid_for_code
from server.sandbox.state import EXTENSION_KEY, SandboxState, sample_jpeg, sandbox_state, scene_from_ticket
from server.sandbox.store import MemorySandboxStore, SandboxStore

if TYPE_CHECKING:
    from server.core.runtime import Runtime


log = logging.getLogger(__name__)

def register_sandbox_api(app: Flask) -> SandboxState:
    """Mount WeChat's API side at /sandbox/api and give the app its sandbox state (idempotent)."""
    from server.sandbox.api import bp

    if EXTENSION_KEY not in app.extensions:
        runtime = app.extensions["minyi"]
        # A timeout fault sleeps just past the server's own WeChat timeout, so the client gives up.
        app.extensions[EXTENSION_KEY] = SandboxState(timeout_seconds=runtime.settings.wechat_timeout_seconds + 0.5,
                                                     store=make_store(runtime))
    if "sandbox_api" not in app.blueprints:
        app.register_blueprint(bp, url_prefix="/sandbox/api")
    return app.extensions[EXTENSION_KEY]


def make_store(runtime: Runtime) -> SandboxStore:
    """Redis when REDIS_URL is set (every web process sees the same sandbox), else this process's memory."""
    if runtime.redis is None:
        return MemorySandboxStore()
    from redis.exceptions import RedisError

    from server.sandbox.redis_store import RedisSandboxStore

    try:
        runtime.redis.ping()
    except RedisError as exc:
        # A demo with Redis down still plays WeChat, one process at a time (the bot's limits do the same).
        log.warning("sandbox: Redis unreachable (%s); keeping the sandbox's state in this process", exc)
        return MemorySandboxStore()

    return RedisSandboxStore(runtime.redis, f"{runtime.settings.redis_prefix}:sandbox")


__all__ = ["SandboxState", "make_store", "openid_for_code", "register_sandbox_api", "sample_jpeg", "sandbox_state",
           "scene_from_ticket"]
