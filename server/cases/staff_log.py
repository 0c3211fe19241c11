"""Staff steps on cases for the district's audit log: who routed, rejected, merged... and when."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from server.cases.models import Case, CaseEvent
from server.cases.rules import ACTION_LABELS
from server.cases.states import CaseAction
from server.core.uow import UnitOfWork
from server.people.models import Person
from server.people.rules import Role
from server.people.texts import ROLE_LABELS

STAFF_ROLES = (Role.deputy, Role.street_office, Role.handling_unit, Role.district_committee)
COUNT_CAP = 10_000  # past this the log says "10000+": counting millions of events is not worth a wait


def staff_actions(uow: UnitOfWork, *, actor_id: int | None = None, action: str | None = None,
                  since: datetime | None = None, until: datetime | None = None,
                  limit: int = 50) -> tuple[int, list[dict[str, Any]]]:
    """Case events made by staff and deputies (not residents, not the scheduler), newest first, at most
    `limit`, and how many match (counted up to COUNT_CAP + 1, so a district's millions stay quick)."""
    if action is not None and action not in CaseAction.__members__:
        return 0, []
    query = select(CaseEvent.id).where(CaseEvent.actor_role.in_(STAFF_ROLES))
    if actor_id is not None:
        query = query.where(CaseEvent.actor_id == actor_id)
    if action is not None:
        query = query.where(CaseEvent.action == CaseAction(action))
    if since is not None:
        query = query.where(CaseEvent.created_at >= since)
    if until is not None:
        query = query.where(CaseEvent.created_at < until)
    with uow.transaction() as session:
        total = session.scalar(select(func.count()).select_from(query.limit(COUNT_CAP + 1).subquery()))
        rows = session.execute(
            select(CaseEvent, Person.name, Case.tracking_number).join(Person, Person.id == CaseEvent.actor_id)
            .join(Case, Case.id == CaseEvent.case_id).where(CaseEvent.id.in_(
                query.order_by(CaseEvent.created_at.desc(), CaseEvent.id.desc()).limit(limit)))
            .order_by(CaseEvent.created_at.desc(), CaseEvent.id.desc()).limit(limit)).all()
        return total, [{"at": event.created_at, "actor_id": event.actor_id, "actor_name": name,
                        "actor_role_label": ROLE_LABELS[event.actor_role], "kind": "case",
                        "action": event.action.value, "action_label": ACTION_LABELS[event.action],
                        "subject": f"反映 {number}", "case_id": event.case_id, "note": event.note or ""}
                       for event, name, number in rows]
