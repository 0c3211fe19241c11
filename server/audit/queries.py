"""Reading the district's administrative actions for the audit log."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from server.audit.models import StaffActionRecord
from server.audit.rules import ACTION_LABELS, StaffAction
from server.core.uow import UnitOfWork

ROLE_LABEL = "区人大常委会"


def staff_actions(uow: UnitOfWork, *, actor_id: int | None = None, action: str | None = None,
                  since: datetime | None = None, until: datetime | None = None,
                  limit: int = 50) -> tuple[int, list[dict[str, Any]]]:
    """Administrative actions, newest first (at most `limit`), and how many match in all."""
    if action is not None and action not in StaffAction.__members__:
        return 0, []
    query = select(StaffActionRecord)
    if actor_id is not None:
        query = query.where(StaffActionRecord.actor_id == actor_id)
    if action is not None:
        query = query.where(StaffActionRecord.action == StaffAction(action))
    if since is not None:
        query = query.where(StaffActionRecord.created_at >= since)
    if until is not None:
        query = query.where(StaffActionRecord.created_at < until)
    with uow.transaction() as session:
        total = session.scalar(select(func.count()).select_from(query.subquery()))
        rows = session.scalars(query.order_by(StaffActionRecord.created_at.desc(), StaffActionRecord.id.desc())
                               .limit(limit))
        return total, [{"at": row.created_at, "actor_id": row.actor_id, "actor_name": row.actor_name,
                        "actor_role_label": ROLE_LABEL if row.actor_role == "district_committee" else row.actor_role,
                        "kind": "admin", "action": row.action.value, "action_label": ACTION_LABELS[row.action],
                        "subject": row.subject_label, "note": row.note or ""} for row in rows]
