"""Writing pushes to the outbox, in the transaction of the change that causes them."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from server.domain.enums import Holder, Role
from server.models import Case, OutboxMessage, Person


def enqueue(session: Session, *, kind: str, recipient_id: int | None, now: datetime,
            payload: dict[str, Any] | None = None, case_id: int | None = None,
            dedupe_key: str | None = None) -> None:
    """Add one push; a repeated dedupe_key is ignored, so retried work never pushes twice."""
    values = dict(kind=kind, recipient_id=recipient_id, case_id=case_id, payload=payload or {},
                  dedupe_key=dedupe_key, status="pending", attempts=0, available_at=now, created_at=now)
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(OutboxMessage).values(**values).on_conflict_do_nothing())


def holder_people(session: Session, case: Case) -> list[Person]:
    """The people who hold a case now: whom a push or a reminder about it should reach."""
    query = select(Person).where(Person.is_active.is_(True))
    if case.holder == Holder.deputies:
        query = query.where(Person.role == Role.deputy, Person.street_id == case.street_id)
        if case.community_id is not None:
            query = query.where((Person.community_id.is_(None)) | (Person.community_id == case.community_id))
    elif case.holder == Holder.street_office:
        query = query.where(Person.role == Role.street_office, Person.street_id == case.street_id)
    elif case.holder == Holder.handling_unit:
        query = query.where(Person.role == Role.handling_unit, Person.handling_unit_id == case.handling_unit_id)
    elif case.holder == Holder.district_committee:
        query = query.where(Person.role == Role.district_committee)
    elif case.holder == Holder.reporter and case.reporter_id is not None:
        query = query.where(Person.id == case.reporter_id)
    else:
        return []
    return list(session.scalars(query.order_by(Person.id)))


def notify_holders(session: Session, case: Case, *, kind: str, now: datetime,
                   payload: dict[str, Any] | None = None, dedupe_suffix: str | None = None) -> int:
    """Push `kind` about `case` to everyone holding it; returns how many pushes were written."""
    people = holder_people(session, case)
    body = {"tracking_number": case.tracking_number, **(payload or {})}
    for person in people:
        key = f"{kind}:{case.id}:{person.id}:{dedupe_suffix}" if dedupe_suffix else None
        enqueue(session, kind=kind, recipient_id=person.id, now=now, payload=body, case_id=case.id,
                dedupe_key=key)
    return len(people)
