"""A person's own profile: the name and phone that deputies and offices see, and a resident's area."""
from __future__ import annotations

import re

from server.core.errors import NotFoundError, PermissionDeniedError, ValidationError
from server.core.uow import UnitOfWork
from server.people.models import Person
from server.people.rules import RESIDENT_ROLES
from server.places.models import Community, Street

PHONE = re.compile(r"^\+?[0-9][0-9\- ]{4,19}$")
UNSET = object()


def update_profile(uow: UnitOfWork, *, person_id: int, name: str | None = None, phone: object = UNSET,
                   street_id: object = UNSET, community_id: object = UNSET) -> Person:
    """Change what is given; staff cannot move their own street or community (that is their scope)."""
    with uow.transaction() as session:
        person = session.get(Person, person_id)
        if person is None or not person.is_active:
            raise NotFoundError("账号不存在或已停用")
        if name is not None:
            name = name.strip()
            if not 1 <= len(name) <= 32:
                raise ValidationError("姓名需为 1 到 32 个字", details={"field": "name"})
            person.name = name
        if phone is not UNSET:
            if phone is not None and not PHONE.fullmatch(str(phone)):
                raise ValidationError("手机号码格式不正确", details={"field": "phone"})
            person.phone = phone
        if street_id is not UNSET or community_id is not UNSET:
            if person.role not in RESIDENT_ROLES:
                raise PermissionDeniedError("工作人员的街道和社区由管理员设置")
            _move(session, person, street_id, community_id)
        session.flush()
        return person


def _move(session, person: Person, street_id: object, community_id: object) -> None:
    if street_id is UNSET:
        street_id = person.street_id
    if community_id is UNSET:  # a new street without a community: the old community cannot stay
        community_id = person.community_id if street_id == person.street_id else None
    if street_id is not None and session.get(Street, street_id) is None:
        raise ValidationError("街道不存在", details={"field": "street_id"})
    if community_id is not None:
        community = session.get(Community, community_id)
        if community is None or community.street_id != street_id:
            raise ValidationError("社区不属于所选街道", details={"field": "community_id"})
    person.street_id, person.community_id = street_id, community_id
