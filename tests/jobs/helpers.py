"""Reading what the sweep did: the outbox as (kind, who, when, payload), claims, timeline events."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import insert, select

from server.cases.models import Case, CaseEvent, CaseReminder
from server.cases.states import CaseAction, CaseState, Holder
from server.core.runtime import Runtime
from server.people.models import Person
from server.pushes.models import OutboxMessage


def told(runtime: Runtime, *kinds: str, since: datetime | None = None) -> list[tuple[str, str, datetime, dict]]:
    """Pushes in the outbox, oldest first: (kind, recipient's name, written at, payload)."""
    with runtime.uow().transaction() as session:
        query = (select(OutboxMessage, Person.name).join(Person, Person.id == OutboxMessage.recipient_id)
                 .order_by(OutboxMessage.id))
        if kinds:
            query = query.where(OutboxMessage.kind.in_(kinds))
        if since is not None:
            query = query.where(OutboxMessage.created_at >= since)
        return [(m.kind, name, m.created_at, m.payload) for m, name in session.execute(query)]


def claims(runtime: Runtime) -> dict[tuple[int, int], int]:
    """(case id, threshold) -> pushes written for that claim."""
    with runtime.uow().transaction() as session:
        return {(r.case_id, r.threshold_hours): r.pushes for r in session.scalars(select(CaseReminder))}


def actions(runtime: Runtime, case_id: int) -> list[CaseAction]:
    with runtime.uow().transaction() as session:
        return list(session.scalars(select(CaseEvent.action).where(CaseEvent.case_id == case_id)
                                    .order_by(CaseEvent.sequence)))


def insert_cases(runtime: Runtime, *, count: int, street_id: int, reporter_id: int, first: datetime,
                 spacing: timedelta, due: bool = True, prefix: str = "MY-BULK",
                 accepted: bool = False) -> list[int]:
    """Many submitted cases at once (a bulk insert, as `submit_case` would leave them, without pushes).

    accepted=True: as if a deputy accepted each at submission (the street office holds them).

    due=True: next_check_at = submitted_at, as after submission; due=False: already planned far ahead.
    """
    rows = []
    for index in range(count):
        submitted = first + spacing * index
        state, holder = (CaseState.accepted, Holder.street_office) if accepted else (CaseState.submitted,
                                                                                      Holder.deputies)
        rows.append(dict(tracking_number=f"{prefix}-{index:06d}", state=state, holder=holder,
                         accepted_at=submitted if accepted else None,
                         description="绿化枯萎需要补种", reporter_id=reporter_id, contact_consent=False,
                         street_id=street_id, source="miniapp", submitted_at=submitted,
                         deadline_at=submitted + timedelta(hours=72), overdue=False, reopen_count=0, version=1,
                         next_check_at=submitted if due else submitted + timedelta(days=365)))
    with runtime.uow().transaction() as session:
        session.execute(insert(Case), rows)
        return list(session.scalars(select(Case.id).where(Case.tracking_number.like(f"{prefix}-%"))
                                    .order_by(Case.id)))
