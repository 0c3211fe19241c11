"""Who may drive the sandbox: playing any WeChat user (`/sandbox/user/*`) and steering the fake
platform (call log, injected faults, token revocation, simulated users, media) are for development
and tests. Elsewhere (a demo deployment with MINYI_SANDBOX=1 in production) only a signed-in district
administrator may, with the bearer token of `POST /api/v1/auth/password`.

The WeChat API the sandbox plays (`/sandbox/api/<WeChat path>`) stays open, as WeChat's is: it asks
for its own app secret and access tokens.
"""
from __future__ import annotations

from flask import request

from server.core.errors import PermissionDeniedError
from server.people import sessions as api_sessions
from server.people.rules import Role
from server.people.sessions import AuthenticationError
from server.web.runtime import current_runtime

OPEN_ENVIRONMENTS = ("development", "testing")
# The endpoints of the API side that play WeChat itself; every other sandbox endpoint is a control.
WECHAT_ENDPOINTS = ("sandbox_api.wechat_api",)


def require_control() -> None:
    """before_request of the sandbox's blueprints."""
    if request.endpoint in WECHAT_ENDPOINTS or request.method == "OPTIONS":
        return
    runtime = current_runtime()
    if runtime.settings.env in OPEN_ENVIRONMENTS:
        return
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError("沙盒控制仅限开发环境或区人大常委会管理员登录后使用",
                                  details={"reason": "missing_token"})
    principal = api_sessions.authenticate(runtime.uow(), access_token=token.strip())
    if principal.role != Role.district_committee:
        raise PermissionDeniedError("沙盒控制仅限区人大常委会管理员使用", details={"role": principal.role.value})
