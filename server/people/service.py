"""People reached through WeChat: residents found or created by openid, streets, one-time bind codes."""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import Update, bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from server.core.errors import ConflictError, NotFoundError, ValidationError
from server.core.uow import UnitOfWork
from server.people.models import BindCode, Person, WechatIdentity
from server.people.rules import Role
from server.places.models import Street

MP = "mp"
BIND_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes are read aloud and typed
BIND_CODE_LENGTH = 8
BIND_CODE_TTL = timedelta(hours=24)
BINDABLE_ROLES = frozenset({Role.deputy, Role.council_member, Role.street_office, Role.handling_unit,
                            Role.district_committee})


def find_identity(session: Session, openid: str, app: str = MP) -> WechatIdentity | None:
    return session.scalar(select(WechatIdentity).where(WechatIdentity.app == app,
                                                       WechatIdentity.openid == openid))


@cache
def _touch_statement() -> Update:
    # Built once; a plain UPDATE instead of an ORM flush on every message.
    table = WechatIdentity.__table__
    return update(table).where(table.c.id == bindparam("identity_id")).values(last_message_at=bindparam("at"))


def note_message(session: Session, identity: WechatIdentity, at: datetime) -> None:
    """The user wrote (or clicked): WeChat's 48-hour window for customer-service messages opens again."""
    session.execute(_touch_statement(), {"identity_id": identity.id, "at": at})
    set_committed_value(identity, "last_message_at", at)


def find_or_create_resident(uow: UnitOfWork, *, openid: str, app: str = MP) -> WechatIdentity:
    """The WeChat user behind `openid`; a first contact becomes a resident without a street yet.

    Two first messages of one new user may race in two processes: the unique (app, openid) index
    decides, and the loser's person is rolled back with its savepoint.
    """
    with uow.transaction() as session:
        identity = find_identity(session, openid, app)
        if identity is not None:
            return identity
        now = uow.clock.now()
        try:
            with session.begin_nested():
                person = Person(name=f"微信用户{openid[-4:]}", role=Role.resident, is_active=True, created_at=now)
                session.add(person)
                session.flush()
                identity = WechatIdentity(app=app, openid=openid, person_id=person.id, subscribed=True,
                                          created_at=now)
                session.add(identity)
                session.flush()
        except IntegrityError:
            identity = find_identity(session, openid, app)
            if identity is None:
                raise
        return identity


def list_streets(uow: UnitOfWork) -> list[Street]:
    """The streets in the order residents pick them by number."""
    with uow.transaction() as session:
        return list(session.scalars(select(Street).order_by(Street.id)))


def set_resident_street(uow: UnitOfWork, *, person_id: int, street_id: int) -> Street:
    """A resident says which street they live in; their reports go to that street's deputies."""
    with uow.transaction() as session:
        person = session.get(Person, person_id)
        street = session.get(Street, street_id)
        if person is None:
            raise NotFoundError("账号不存在或已停用")
        if street is None:
            raise ValidationError("街道不存在", details={"street_id": street_id})
        if person.role in (Role.resident, Role.council_member) and person.street_id != street.id:
            person.street_id, person.community_id = street.id, None
        return street


def create_bind_code(uow: UnitOfWork, *, person_id: int, ttl: timedelta = BIND_CODE_TTL) -> BindCode:
    """A one-time code (valid for `ttl`) with which a deputy or staff member binds their WeChat."""
    with uow.transaction() as session:
        person = session.get(Person, person_id)
        if person is None or not person.is_active:
            raise NotFoundError("账号不存在或已停用")
        if person.role not in BINDABLE_ROLES:
            raise ValidationError("只有人大代表和工作人员需要绑定微信")
        code = "".join(secrets.choice(BIND_CODE_ALPHABET) for _ in range(BIND_CODE_LENGTH))
        bind_code = BindCode(code=code, person_id=person.id, expires_at=uow.clock.now() + ttl)
        session.add(bind_code)
        session.flush()
        return bind_code


def bind_wechat(uow: UnitOfWork, *, openid: str, code: str, app: str = MP) -> Person:
    """Link this WeChat user to the code's deputy or staff account; the code is used up by the first who
    claims it. The user's resident self (their cases, ratings, opinions) stays theirs. A WeChat user
    already bound to another account is refused, and the code stays unused."""
    with uow.transaction() as session:
        now = uow.clock.now()
        claimed = session.execute(
            update(BindCode)
            .where(BindCode.code == code.strip().upper(), BindCode.used_at.is_(None), BindCode.expires_at > now)
            .values(used_at=now).returning(BindCode.person_id)
        ).scalar_one_or_none()
        if claimed is None:
            raise ValidationError("绑定码无效、已使用或已过期，请向街道人大办重新获取")
        person = session.get(Person, claimed)
        if person is None or not person.is_active:
            raise NotFoundError("账号不存在或已停用")
        identity = find_or_create_resident(uow, openid=openid, app=app)
        bound_to = identity.staff_person_id
        if bound_to is not None and bound_to != person.id:
            other = session.get(Person, bound_to)
            raise ConflictError(f"这个微信已绑定{other.name if other else '其他'}的工作账号，不能再绑定{person.name}的账号。"
                                "如需更换，请联系街道人大办解除原绑定。")
        identity.staff_person_id = person.id
        identity.subscribed = True
        session.flush()
        return person


def record_unsubscribe(uow: UnitOfWork, *, openid: str, app: str = MP) -> bool:
    """The user unfollowed: no more pushes by customer-service message; False if we never knew them."""
    with uow.transaction() as session:
        identity = find_identity(session, openid, app)
        if identity is None:
            return False
        identity.subscribed = False
        identity.unsubscribed_at = uow.clock.now()
        return True
