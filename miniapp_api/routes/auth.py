"""Sign-in: WeChat mini-program login, staff password login, refresh, logout."""
from __future__ import annotations

from flask import request

from miniapp_api.auth import current_principal
from miniapp_api.blueprint import MinyiBlueprint
from miniapp_api.errors import errors
from miniapp_api.schemas.auth import PasswordLoginIn, RefreshIn, TokensOut, WechatLoginIn
from miniapp_api.schemas.common import Ok
from miniapp_api.views import answer
from server.people import sessions as api_sessions
from server.people.queries import describe_person
from server.people.sessions import IssuedTokens
from server.web.runtime import current_runtime

public = MinyiBlueprint("api_auth_public", __name__, tag="auth", public=True)
bp = MinyiBlueprint("api_auth", __name__, tag="auth")


def _tokens(tokens: IssuedTokens, status: int = 200):
    rt = current_runtime()
    expires_in = int((tokens.expires_at - rt.clock.now()).total_seconds())
    return answer(TokensOut, {"access_token": tokens.access_token, "refresh_token": tokens.refresh_token,
                              "expires_at": tokens.expires_at, "expires_in": expires_in,
                              "new_account": tokens.created, "me": describe_person(rt.uow(), tokens.person.id)}, status)


@public.post("/auth/login", summary="小程序登录 (wx.login code → jscode2session)",
             responses={200: TokensOut, **errors(401, 502)})
def login(body: WechatLoginIn):
    rt = current_runtime()
    return _tokens(api_sessions.login_with_wechat(rt.uow(), wechat=rt.wechat, code=body.code))


@public.post("/auth/password", summary="工作人员账号密码登录（连续失败将限时锁定）",
             responses={200: TokensOut, **errors(401, 429)})
def password_login(body: PasswordLoginIn):
    return _tokens(api_sessions.login_with_password(current_runtime().uow(), username=body.username,
                                                    password=body.password, address=request.remote_addr))


@public.post("/auth/refresh", summary="用刷新令牌换取新令牌（旧刷新令牌作废）", responses={200: TokensOut, **errors(401)})
def refresh(body: RefreshIn):
    return _tokens(api_sessions.refresh_session(current_runtime().uow(), refresh_token=body.refresh_token))


@bp.post("/auth/logout", summary="退出登录（本会话的全部令牌失效）", responses={200: Ok})
def logout():
    api_sessions.revoke_session(current_runtime().uow(), session_id=current_principal().session_id)
    return answer(Ok, {"ok": True})
