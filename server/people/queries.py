"""Reads about people that entry points need without touching the tables themselves."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from server.core.errors import NotFoundError
from server.core.uow import UnitOfWork
from server.people.models import Person
from server.people.texts import ROLE_LABELS
from server.places.models import Community, HandlingUnit, Street


def find_person_ids(uow: UnitOfWork, reference: str) -> list[int]:
    """The ids of the people a CLI argument names: an id, or an exact name (several when names repeat)."""
    query = select(Person.id).where(Person.id == int(reference)) if reference.isdigit() else \
        select(Person.id).where(Person.name == reference)
    with uow.transaction() as session:
        return list(session.scalars(query.order_by(Person.id)))


def describe_person(uow: UnitOfWork, person_id: int) -> dict[str, Any]:
    """A person as their own profile shows them: role with its Chinese label, and the names of their scope."""
    with uow.transaction() as session:
        person = session.get(Person, person_id)
        if person is None:
            raise NotFoundError("没有找到该用户")

        def ref(model, row_id):
            row = session.get(model, row_id) if row_id is not None else None
            return {"id": row.id, "name": row.name} if row is not None else None

        return {"id": person.id, "name": person.name, "role": person.role.value,
                "role_label": ROLE_LABELS[person.role], "phone": person.phone,
                "street": ref(Street, person.street_id), "community": ref(Community, person.community_id),
                "handling_unit": ref(HandlingUnit, person.handling_unit_id)}


def list_accounts(uow: UnitOfWork, *, limit: int = 200) -> list[dict[str, Any]]:
    """People who sign in with a username (staff and deputies): username, name, role and scope names."""
    with uow.transaction() as session:
        rows = session.execute(
            select(Person.username, Person.name, Person.role, Street.name, HandlingUnit.name)
            .outerjoin(Street, Street.id == Person.street_id)
            .outerjoin(HandlingUnit, HandlingUnit.id == Person.handling_unit_id)
            .where(Person.username.is_not(None), Person.is_active.is_(True))
            .order_by(Person.role, Street.id, Person.id).limit(limit))
        return [{"username": username, "name": name, "role": role.value, "role_label": ROLE_LABELS[role],
                 "street": street, "unit": unit} for username, name, role, street, unit in rows]
