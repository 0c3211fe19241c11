"""The district administers accounts: create, edit role and scope, disable and enable, reset a password,
issue a WeChat binding code. Every command is one transaction with its line in the audit log."""
from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from server.audit.rules import StaffAction, StaffActor
from server.audit.service import record_staff_action
from server.core.errors import ConflictError, NotFoundError, ValidationError
from server.core.uow import UnitOfWork
from server.people import service, sessions
from server.people.models import BindCode, Person
from server.people.profiles import PHONE
from server.people.rules import Role
from server.people.texts import ROLE_LABELS
from server.places.models import Community, HandlingUnit, Street

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,31}$")
MIN_PASSWORD = 8
ACCOUNT_ROLES = (Role.deputy, Role.street_office, Role.handling_unit, Role.district_committee)


def load_admin(uow: UnitOfWork, *, person_id: int) -> StaffActor:
    """The signed-in administrator as the audit log names them; PermissionDeniedError for anyone else."""
    with uow.transaction() as session:
        person = session.get(Person, person_id)
        if person is None or not person.is_active:
            raise NotFoundError("账号不存在或已停用")
        actor = StaffActor(person_id=person.id, name=person.name, role=person.role.value)
        actor.check_admin()
        return actor


def _label(person: Person) -> str:
    return f"{person.name}（{person.username or ROLE_LABELS[person.role]}）"


def _scope(session: Session, role: Role, street_id: int | None, community_id: int | None,
           unit_id: int | None) -> tuple[int | None, int | None, int | None]:
    """The scope a role needs: a street for deputies and street offices, a unit for unit staff (its street
    comes with it), nothing for the district."""
    if role == Role.district_committee:
        return None, None, None
    if role == Role.handling_unit:
        unit = session.get(HandlingUnit, unit_id) if unit_id else None
        if unit is None:
            raise ValidationError("请选择承办单位", details={"field": "unit_id"})
        return unit.street_id, None, unit.id
    if street_id is None or session.get(Street, street_id) is None:
        raise ValidationError("请选择所属街道", details={"field": "street_id"})
    if community_id is not None:
        community = session.get(Community, community_id)
        if community is None or community.street_id != street_id:
            raise ValidationError("社区不属于所选街道", details={"field": "community_id"})
    return street_id, community_id, None


def _check_fields(name: str, phone: str | None) -> tuple[str, str | None]:
    name = (name or "").strip()
    if not 1 <= len(name) <= 32:
        raise ValidationError("姓名需为 1 到 32 个字", details={"field": "name"})
    phone = (phone or "").strip() or None
    if phone is not None and not PHONE.fullmatch(phone):
        raise ValidationError("手机号码格式不正确", details={"field": "phone"})
    return name, phone


def _check_password(password: str) -> str:
    if len(password or "") < MIN_PASSWORD or len(password) > 128:
        raise ValidationError(f"密码至少 {MIN_PASSWORD} 位", details={"field": "password"})
    return generate_password_hash(password)


def _role(value: str) -> Role:
    if value not in {role.value for role in ACCOUNT_ROLES}:
        raise ValidationError("请选择角色", details={"field": "role"})
    return Role(value)


def create_account(uow: UnitOfWork, *, actor: StaffActor, name: str, username: str, role: str, password: str,
                   phone: str | None = None, street_id: int | None = None, community_id: int | None = None,
                   unit_id: int | None = None) -> Person:
    """A new staff or deputy account that signs in with a username and password."""
    actor.check_admin()
    with uow.transaction() as session:
        name, phone = _check_fields(name, phone)
        username = (username or "").strip().lower()
        if not USERNAME.fullmatch(username):
            raise ValidationError("用户名为 3–32 位小写字母、数字、点、横线或下划线", details={"field": "username"})
        if session.scalar(select(Person.id).where(func.lower(Person.username) == username)) is not None:
            raise ConflictError("该用户名已被使用", details={"field": "username"})
        role_ = _role(role)
        street_id, community_id, unit_id = _scope(session, role_, street_id, community_id, unit_id)
        now = uow.clock.now()
        person = Person(name=name, username=username, role=role_, phone=phone, password_hash=_check_password(password),
                        street_id=street_id, community_id=community_id, handling_unit_id=unit_id, is_active=True,
                        created_at=now)
        session.add(person)
        session.flush()
        _record(session, actor, StaffAction.person_create, person, now, data={"role": role_.value})
        return person


def update_account(uow: UnitOfWork, *, actor: StaffActor, person_id: int, name: str, role: str,
                   phone: str | None = None, street_id: int | None = None, community_id: int | None = None,
                   unit_id: int | None = None) -> Person:
    """Change an account's name, phone, role and scope; the next request already sees the new scope."""
    actor.check_admin()
    with uow.transaction() as session:
        person = _account(session, person_id)
        name, phone = _check_fields(name, phone)
        role_ = _role(role)
        if person.id == actor.person_id and role_ != person.role:
            raise ValidationError("不能修改自己的角色", details={"field": "role"})
        before = {"role": person.role.value, "street_id": person.street_id, "community_id": person.community_id,
                  "unit_id": person.handling_unit_id}
        street_id, community_id, unit_id = _scope(session, role_, street_id, community_id, unit_id)
        person.name, person.phone, person.role = name, phone, role_
        person.street_id, person.community_id, person.handling_unit_id = street_id, community_id, unit_id
        after = {"role": role_.value, "street_id": street_id, "community_id": community_id, "unit_id": unit_id}
        _record(session, actor, StaffAction.person_edit, person, uow.clock.now(), data={"from": before, "to": after})
        session.flush()
        return person


def set_active(uow: UnitOfWork, *, actor: StaffActor, person_id: int, active: bool) -> int:
    """Enable or disable an account; disabling ends its console sessions and API tokens at once.
    Returns how many sessions were ended."""
    actor.check_admin()
    with uow.transaction() as session:
        person = _account(session, person_id)
        if person.id == actor.person_id and not active:
            raise ValidationError("不能停用自己的账号")
        if person.is_active == active:
            raise ConflictError("该账号已启用" if active else "该账号已停用")
        ended = sessions.set_account_active(uow, person_id=person.id, active=active)
        _record(session, actor, StaffAction.person_enable if active else StaffAction.person_disable, person,
                uow.clock.now(), data={"sessions_ended": ended})
        return ended


def reset_password(uow: UnitOfWork, *, actor: StaffActor, person_id: int, password: str) -> int:
    """Set a new password chosen by the administrator; the account's sessions end (it may have leaked)."""
    actor.check_admin()
    with uow.transaction() as session:
        person = _account(session, person_id)
        if not person.username:
            raise ValidationError("该用户没有登录账号")
        person.password_hash = _check_password(password)
        ended = sessions.revoke_person_sessions(uow, person_id=person.id, reason="password_reset")
        _record(session, actor, StaffAction.password_reset, person, uow.clock.now(), data={"sessions_ended": ended})
        return ended


def issue_bind_code(uow: UnitOfWork, *, actor: StaffActor, person_id: int) -> BindCode:
    """A one-time WeChat binding code for a deputy or staff member (what they scan or type in chat)."""
    actor.check_admin()
    with uow.transaction() as session:
        person = _account(session, person_id)
        if not person.is_active:
            raise ValidationError("该账号已停用，请先启用再生成绑定码")
        code = service.create_bind_code(uow, person_id=person.id)
        _record(session, actor, StaffAction.bind_code, person, uow.clock.now(),
                data={"expires_at": code.expires_at.isoformat()})
        return code


def _account(session: Session, person_id: int) -> Person:
    person = session.get(Person, person_id, with_for_update=True)
    if person is None or person.role not in ACCOUNT_ROLES:
        raise NotFoundError("没有找到该账号", details={"person_id": person_id})
    return person


def _record(session: Session, actor: StaffActor, action: StaffAction, person: Person, now: datetime, *,
            data: dict | None = None) -> None:
    record_staff_action(session, actor, action, now, subject_type="person", subject_id=person.id,
                        subject_label=_label(person), data=data)


def bind_qr_content(code: str, gateway=None) -> str:
    """What the binding QR code carries: with WeChat, a temporary parametric QR (scene `bind:<code>`)
    that binds on scanning; without, the words to send to the official account (`绑定 <code>`)."""
    if gateway is None:
        return f"绑定 {code}"
    answer = gateway.create_qrcode(f"bind:{code}", permanent=False)
    return str(answer["url"] if isinstance(answer, dict) else answer.url)
