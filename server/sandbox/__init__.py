"""The sandbox: a local WeChat platform, served at /sandbox while no real WeChat app is configured."""
from __future__ import annotations

from flask import Flask

from server.sandbox.endpoints import openid_for_code
from server.sandbox.state import EXTENSION_KEY, SandboxState, sample_jpeg, sandbox_state, scene_from_ticket


def register_sandbox_api(app: Flask) -> SandboxState:
    """Mount WeChat's API side at /sandbox/api and give the app its sandbox state (idempotent)."""
    from server.sandbox.api import bp

    if EXTENSION_KEY not in app.extensions:
        settings = app.extensions["minyi"].settings
        # A timeout fault sleeps just past the server's own WeChat timeout, so the client gives up.
        app.extensions[EXTENSION_KEY] = SandboxState(timeout_seconds=settings.wechat_timeout_seconds + 0.5)
    if "sandbox_api" not in app.blueprints:
        app.register_blueprint(bp, url_prefix="/sandbox/api")
    return app.extensions[EXTENSION_KEY]


__all__ = ["SandboxState", "openid_for_code", "register_sandbox_api", "sample_jpeg", "sandbox_state",
           "scene_from_ticket"]
