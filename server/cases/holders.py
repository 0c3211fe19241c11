"""Who holds a case now, and telling them: the case engine's audience for `server.pushes`."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from server.cases.models import Case
from server.cases.states import Holder
from server.people.models import Person
from server.people.rules import Role
from server.pushes import notifications
from server.pushes.states import OutboxKind


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


def push_about(session: Session, case: Case, people: Iterable[int], *, kind: OutboxKind | str, now: datetime,
               payload: dict[str, Any], dedupe: str | None) -> int:
    """The same push about `case` to each of `people`; `dedupe` makes a retry push nobody twice."""
    return notifications.push_to(session, people, kind=kind, now=now, subject_id=case.id, case_id=case.id,
                                 payload=payload, dedupe=dedupe)


def notify_holders(session: Session, case: Case, *, kind: OutboxKind | str, now: datetime,
                   payload: dict[str, Any] | None = None, dedupe_suffix: str | None = None) -> int:
    """Push `kind` about `case` to everyone holding it; returns how many pushes were written."""
    return push_about(session, case, holder_ids(session, case), kind=kind, now=now,
                      payload={"tracking_number": case.tracking_number, **(payload or {})}, dedupe=dedupe_suffix)


def tell_reporter(session: Session, case: Case, *, kind: OutboxKind | str, now: datetime,
                  payload: dict[str, Any] | None = None, dedupe: str | None = None) -> int:
    """Keep the resident informed: one push about their own case (none for a case without a reporter)."""
    if case.reporter_id is None:
        return 0
    return push_about(session, case, [case.reporter_id], kind=kind, now=now,
                      payload={"tracking_number": case.tracking_number, **(payload or {})}, dedupe=dedupe)
