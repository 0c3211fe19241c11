"""Writing pushes to the outbox, in the transaction of the change that causes them."""
from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Insert, Select, bindparam, select
from sqlalchemy.orm import Session

from server.cases.models import Case
from server.cases.states import Holder
from server.core.db import insert_for
from server.people.models import Person
from server.people.rules import Role
from server.pushes.models import OutboxMessage


@cache
def _insert_ignoring_repeats(dialect: str) -> Insert:
    # Built once per dialect, on the table rather than the mapped class: the rows go in as parameters of
    # one plain executemany, not through the ORM's per-row bulk-insert bookkeeping.
    insert = insert_for(dialect)
    return insert(OutboxMessage.__table__).on_conflict_do_nothing()


def _row(kind: str, recipient_id: int | None, now: datetime, payload: dict[str, Any] | None,
         case_id: int | None, dedupe_key: str | None) -> dict[str, Any]:
    return dict(kind=kind, recipient_id=recipient_id, case_id=case_id, payload=payload or {},
                dedupe_key=dedupe_key, status="pending", attempts=0, available_at=now, created_at=now)


def enqueue_many(session: Session, rows: list[dict[str, Any]]) -> None:
    """Add pushes built by `_row` in one statement; repeated dedupe_keys are ignored."""
    if rows:
        session.execute(_insert_ignoring_repeats(session.get_bind().dialect.name), rows)


def enqueue(session: Session, *, kind: str, recipient_id: int | None, now: datetime,
            payload: dict[str, Any] | None = None, case_id: int | None = None,
            dedupe_key: str | None = None) -> None:
    """Add one push; a repeated dedupe_key is ignored, so retried work never pushes twice."""
    enqueue_many(session, [_row(kind, recipient_id, now, payload, case_id, dedupe_key)])


@cache
def _holders_query(holder: Holder, in_community: bool) -> Select | None:
    # Built once per kind of holder; the case's street, community, unit and reporter are parameters.
    query = select(Person.id).where(Person.is_active.is_(True))
    if holder == Holder.deputies:
        query = query.where(Person.role == Role.deputy, Person.street_id == bindparam("street_id"))
        if in_community:
            query = query.where(Person.community_id.is_(None) | (Person.community_id == bindparam("community_id")))
    elif holder == Holder.street_office:
        query = query.where(Person.role == Role.street_office, Person.street_id == bindparam("street_id"))
    elif holder == Holder.handling_unit:
        query = query.where(Person.role == Role.handling_unit, Person.handling_unit_id == bindparam("unit_id"))
    elif holder == Holder.district_committee:
        query = query.where(Person.role == Role.district_committee)
    elif holder == Holder.reporter:
        query = query.where(Person.id == bindparam("reporter_id"))
    else:
        return None
    return query.order_by(Person.id)


def holder_ids(session: Session, case: Case) -> list[int]:
    """The people who hold a case now (their ids): whom a push or a reminder about it should reach."""
    query = _holders_query(case.holder, case.community_id is not None)
    if query is None or (case.holder == Holder.reporter and case.reporter_id is None):
        return []
    return list(session.scalars(query, {"street_id": case.street_id, "community_id": case.community_id,
                                        "unit_id": case.handling_unit_id, "reporter_id": case.reporter_id}))


def push_to(session: Session, people: list[int], *, kind: str, now: datetime, case: Case,
            payload: dict[str, Any], dedupe: str | None) -> None:
    """The same push about `case` to each of `people`, one statement; `dedupe` makes each key unique per
    (kind, case, person, dedupe), so the work that pushed can be retried without pushing twice."""
    enqueue_many(session, [
        _row(kind, person_id, now, payload, case.id, f"{kind}:{case.id}:{person_id}:{dedupe}" if dedupe else None)
        for person_id in people])


def notify_holders(session: Session, case: Case, *, kind: str, now: datetime,
                   payload: dict[str, Any] | None = None, dedupe_suffix: str | None = None) -> int:
    """Push `kind` about `case` to everyone holding it; returns how many pushes were written."""
    people = holder_ids(session, case)
    push_to(session, people, kind=kind, now=now, case=case,
            payload={"tracking_number": case.tracking_number, **(payload or {})}, dedupe=dedupe_suffix)
    return len(people)
