"""The district's directory of accounts (staff and deputies): filtered pages and one account's details."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select

from server.core.errors import NotFoundError
from server.core.uow import UnitOfWork
from server.people.admin import ACCOUNT_ROLES
from server.people.models import Person, WechatIdentity
from server.people.texts import ROLE_LABELS
from server.places.models import Community, HandlingUnit, Street


def _view(person: Person, street: str | None, unit: str | None, community: str | None = None) -> dict[str, Any]:
    return {"id": person.id, "name": person.name, "username": person.username, "role": person.role.value,
            "role_label": ROLE_LABELS[person.role], "phone": person.phone, "street_id": person.street_id,
            "street": street, "community_id": person.community_id, "community": community,
            "unit_id": person.handling_unit_id, "unit": unit, "is_active": person.is_active,
            "created_at": person.created_at}


def list_accounts(uow: UnitOfWork, *, role: str | None = None, street_id: int | None = None, text: str = "",
                  active: bool | None = None, offset: int = 0, limit: int = 20) -> tuple[int, list[dict[str, Any]]]:
    """Staff and deputy accounts by role and street, a name or username containing `text`."""
    query = select(Person).where(Person.role.in_(ACCOUNT_ROLES))
    if role:
        query = query.where(Person.role == role) if role in {r.value for r in ACCOUNT_ROLES} else query.where(False)
    if street_id is not None:
        query = query.where(Person.street_id == street_id)
    if text.strip():
        words = text.strip()
        query = query.where(or_(Person.name.contains(words, autoescape=True),
                                Person.username.contains(words, autoescape=True)))
    if active is not None:
        query = query.where(Person.is_active.is_(active))
    with uow.transaction() as session:
        total = session.scalar(select(func.count()).select_from(query.subquery()))
        rows = session.execute(
            select(Person, Street.name, HandlingUnit.name).outerjoin(Street, Street.id == Person.street_id)
            .outerjoin(HandlingUnit, HandlingUnit.id == Person.handling_unit_id)
            .where(Person.id.in_(query.with_only_columns(Person.id)))
            .order_by(Person.role, Person.street_id, Person.id).offset(offset).limit(limit)).all()
        return total, [_view(person, street, unit) for person, street, unit in rows]


def get_account(uow: UnitOfWork, *, person_id: int) -> dict[str, Any]:
    """One account with its scope's names and whether a WeChat is bound to it."""
    with uow.transaction() as session:
        person = session.get(Person, person_id)
        if person is None or person.role not in ACCOUNT_ROLES:
            raise NotFoundError("没有找到该账号", details={"person_id": person_id})

        def name(model, row_id):
            row = session.get(model, row_id) if row_id is not None else None
            return row.name if row is not None else None

        view = _view(person, name(Street, person.street_id), name(HandlingUnit, person.handling_unit_id),
                     name(Community, person.community_id))
        view["wechat_bound"] = session.scalar(select(func.count()).select_from(WechatIdentity)
                                              .where(WechatIdentity.staff_person_id == person.id)) > 0
        return view


def staff_choices(uow: UnitOfWork) -> list[dict[str, Any]]:
    """Every staff and deputy account (also disabled ones) as (id, label) for the audit log's filter."""
    with uow.transaction() as session:
        rows = session.execute(select(Person.id, Person.name, Person.role, Person.username)
                               .where(Person.role.in_(ACCOUNT_ROLES)).order_by(Person.role, Person.id))
        return [{"id": pid, "label": f"{name}（{ROLE_LABELS[role]}{'·' + username if username else ''}）"}
                for pid, name, role, username in rows]
