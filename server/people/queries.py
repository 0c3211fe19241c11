"""Reads about people that entry points need without touching the tables themselves."""
from __future__ import annotations

from sqlalchemy import select

from server.core.uow import UnitOfWork
from server.people.models import Person


def find_person_ids(uow: UnitOfWork, reference: str) -> list[int]:
    """The ids of the people a CLI argument names: an id, or an exact name (several when names repeat)."""
    query = select(Person.id).where(Person.id == int(reference)) if reference.isdigit() else \
        select(Person.id).where(Person.name == reference)
    with uow.transaction() as session:
        return list(session.scalars(query.order_by(Person.id)))
