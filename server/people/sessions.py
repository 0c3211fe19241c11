"""Sign-in for the mini-program API: WeChat login or password, signed access tokens, refresh, revoke.

An access token is a signed {sid, exp} and nothing else: role and scope are read from the database on
every request, so a client can alter nothing and a revoked session or disabled account stops at once.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from server.core.errors import DomainError, NotFoundError
from server.core.uow import UnitOfWork
from server.people.models import ApiSession, Person, WechatIdentity
from server.people.passwords import password_matches
from server.people.rules import Actor, Role
from server.people.throttle import check_not_blocked, forget_failures, record_failure
from server.people.throttle_rules import account_key, address_key
from server.wechat.errors import WeChatError, WeChatPermanentError

ACCESS_TTL = timedelta(hours=2)
REFRESH_TTL = timedelta(days=30)
MINIAPP = "miniapp"
_SALT = "minyi.api.access"


class AuthenticationError(DomainError):
    code = "unauthorized"
    http_status = 401


class InvalidCredentialsError(AuthenticationError):
    code = "invalid_credentials"


class WechatLoginError(AuthenticationError):
    code = "wechat_login_failed"


class WechatUnavailableError(DomainError):
    code = "wechat_unavailable"
    http_status = 502


class MiniappGateway(Protocol):
    def code_to_session(self, code: str) -> dict[str, Any]: ...


@dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    refresh_token: str
    expires_at: datetime
    person: Person
    created: bool = False
    session_id: int = 0


@dataclass(frozen=True)
class Principal:
    """Who is calling: the session and the person's current role and scope."""

    session_id: int
    person: Person

    @property
    def actor(self) -> Actor:
        return self.person.as_actor()

    @property
    def role(self) -> Role:
        return self.person.role


def _serializer(uow: UnitOfWork) -> URLSafeSerializer:
    return URLSafeSerializer(uow.settings.secret_key, salt=_SALT)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _issue(uow: UnitOfWork, api_session: ApiSession, person: Person, now: datetime,
           created: bool = False) -> IssuedTokens:
    refresh_token = secrets.token_urlsafe(32)
    api_session.refresh_token_hash = _hash(refresh_token)
    api_session.refreshed_at = now
    expires_at = now + ACCESS_TTL
    access_token = _serializer(uow).dumps({"sid": api_session.id, "exp": int(expires_at.timestamp())})
    return IssuedTokens(access_token, refresh_token, expires_at, person, created, api_session.id)


def start_session(uow: UnitOfWork, *, person_id: int, method: str, openid: str | None = None,
                  session_key: str | None = None, created: bool = False) -> IssuedTokens:
    """Open a session for an active person and hand out its first pair of tokens."""
    with uow.transaction() as session:
        now = uow.clock.now()
        person = session.get(Person, person_id)
        if person is None or not person.is_active:
            raise AuthenticationError("账号不存在或已停用")
        # A throwaway hash until _issue sets the real one: the row needs its id before a token can name it.
        api_session = ApiSession(person_id=person.id, method=method, refresh_token_hash=_hash(secrets.token_hex()),
                                 wechat_openid=openid, wechat_session_key=session_key, created_at=now,
                                 refreshed_at=now, expires_at=now + REFRESH_TTL)
        session.add(api_session)
        session.flush()
        return _issue(uow, api_session, person, now, created)


def login_with_password(uow: UnitOfWork, *, username: str, password: str, address: str | None = None,
                        method: str = "password") -> IssuedTokens:
    """Staff sign in with username and password (hashes are werkzeug's).

    Failures are counted per account and per address (`server.people.throttle`); a blocked key is refused
    before any password is checked. An unknown username costs the same hash check as a known one, so the
    answer time does not tell whether it exists."""
    keys = [account_key(username or ""), address_key(address)]
    check_not_blocked(uow, keys)
    with uow.transaction() as session:
        person = session.scalar(select(Person).where(Person.username == (username or "").strip()))
        matches = password_matches(person.password_hash if person else None, password or "")
    if not matches:
        record_failure(uow, keys)
        raise InvalidCredentialsError("用户名或密码不正确")
    if not person.is_active:
        raise AuthenticationError("账号已停用")
    forget_failures(uow, keys[0])
    return start_session(uow, person_id=person.id, method=method)


def login_with_wechat(uow: UnitOfWork, *, wechat: MiniappGateway, code: str) -> IssuedTokens:
    """A wx.login code -> jscode2session; a new openid becomes a resident. session_key stays here."""
    try:
        answer = wechat.code_to_session(code)
    except WeChatPermanentError as exc:  # 40029 and friends: the code is bad or used
        raise WechatLoginError("微信登录失败，请重新打开小程序再试", details={"errcode": exc.errcode}) from exc
    except WeChatError as exc:  # network, timeout, WeChat busy: the same code may work in a moment
        raise WechatUnavailableError("微信服务暂时不可用，请稍后再试") from exc
    openid = answer.get("openid")
    if not openid:
        raise WechatLoginError("微信登录失败，请重试")
    try:
        return _sign_in_openid(uow, answer)
    except IntegrityError:
        # The same new user logged in twice at once and the other request created the identity:
        # this time it is found.
        return _sign_in_openid(uow, answer)


def _sign_in_openid(uow: UnitOfWork, answer: dict[str, Any]) -> IssuedTokens:
    openid = answer["openid"]
    with uow.transaction() as session:
        now = uow.clock.now()
        identity = session.scalar(select(WechatIdentity).where(WechatIdentity.app == MINIAPP,
                                                               WechatIdentity.openid == openid))
        created = False
        if identity is None:
            person_id = _person_for_unionid(session, answer.get("unionid"))
            if person_id is None:
                person = Person(name="微信用户", role=Role.resident, is_active=True, created_at=now)
                session.add(person)
                session.flush()
                person_id, created = person.id, True
            identity = WechatIdentity(app=MINIAPP, openid=openid, unionid=answer.get("unionid"),
                                      person_id=person_id, subscribed=True, created_at=now)
            session.add(identity)
            session.flush()
        return start_session(uow, person_id=identity.person_id, method="wechat", openid=openid,
                             session_key=answer.get("session_key"), created=created)


def _person_for_unionid(session, unionid: str | None) -> int | None:
    # The same WeChat user on the official account: one person, two openids.
    if not unionid:
        return None
    return session.scalar(select(WechatIdentity.person_id).where(WechatIdentity.unionid == unionid).limit(1))


def authenticate(uow: UnitOfWork, *, access_token: str) -> Principal:
    """Check the signature, the expiry (on the injected clock), the session and the account."""
    try:
        claims = _serializer(uow).loads(access_token)
        session_id, expires = int(claims["sid"]), int(claims["exp"])
    except (BadSignature, KeyError, TypeError, ValueError) as exc:
        raise AuthenticationError("登录凭证无效，请重新登录") from exc
    with uow.transaction() as session:
        now = uow.clock.now()
        if now.timestamp() >= expires:
            raise AuthenticationError("登录已过期，请刷新或重新登录", details={"reason": "token_expired"})
        api_session = session.get(ApiSession, session_id)
        if api_session is None or api_session.revoked_at is not None or api_session.expires_at <= now:
            raise AuthenticationError("登录已失效，请重新登录", details={"reason": "session_revoked"})
        person = session.get(Person, api_session.person_id)
        if person is None or not person.is_active:
            raise AuthenticationError("账号已停用", details={"reason": "account_disabled"})
        return Principal(session_id=api_session.id, person=person)


def principal_for_session(uow: UnitOfWork, *, session_id: int) -> Principal:
    """The console's check on every request: the session still open and the account still active."""
    with uow.transaction() as session:
        now = uow.clock.now()
        api_session = session.get(ApiSession, session_id)
        if api_session is None or api_session.revoked_at is not None or api_session.expires_at <= now:
            raise AuthenticationError("登录已失效，请重新登录", details={"reason": "session_revoked"})
        person = session.get(Person, api_session.person_id)
        if person is None or not person.is_active:
            raise AuthenticationError("账号已停用", details={"reason": "account_disabled"})
        return Principal(session_id=api_session.id, person=person)


def refresh_session(uow: UnitOfWork, *, refresh_token: str) -> IssuedTokens:
    """Trade a refresh token for a new pair; the old refresh token stops working (rotation)."""
    with uow.transaction() as session:
        now = uow.clock.now()
        api_session = session.scalar(select(ApiSession).where(ApiSession.refresh_token_hash ==
                                                              _hash(refresh_token or "")).with_for_update())
        if api_session is None or api_session.revoked_at is not None or api_session.expires_at <= now:
            raise AuthenticationError("登录已失效，请重新登录", details={"reason": "session_revoked"})
        person = session.get(Person, api_session.person_id)
        if person is None or not person.is_active:
            raise AuthenticationError("账号已停用", details={"reason": "account_disabled"})
        return _issue(uow, api_session, person, now)


def revoke_session(uow: UnitOfWork, *, session_id: int, reason: str = "logout") -> None:
    """Log out: every token of this session stops working."""
    with uow.transaction() as session:
        session.execute(update(ApiSession).where(ApiSession.id == session_id, ApiSession.revoked_at.is_(None))
                        .values(revoked_at=uow.clock.now(), revoked_reason=reason))


def revoke_person_sessions(uow: UnitOfWork, *, person_id: int, reason: str) -> int:
    """End every session of a person (e.g. the account was disabled); returns how many were open."""
    with uow.transaction() as session:
        result = session.execute(update(ApiSession).where(ApiSession.person_id == person_id,
                                                          ApiSession.revoked_at.is_(None))
                                 .values(revoked_at=uow.clock.now(), revoked_reason=reason))
        return result.rowcount or 0


def set_account_active(uow: UnitOfWork, *, person_id: int, active: bool) -> int:
    """Enable or disable an account; disabling ends every console session and API token at once.
    Returns how many sessions were ended."""
    with uow.transaction() as session:
        person = session.get(Person, person_id, with_for_update=True)
        if person is None:
            raise NotFoundError("没有找到该用户")
        person.is_active = active
        return 0 if active else revoke_person_sessions(uow, person_id=person_id, reason="account_disabled")
