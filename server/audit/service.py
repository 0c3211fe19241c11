"""Writing the audit log: called inside the administrative command's own transaction."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from server.audit.models import StaffActionRecord
from server.audit.rules import StaffAction, StaffActor


def record_staff_action(session: Session, actor: StaffActor, action: StaffAction, now: datetime, *,
                        subject_type: str, subject_id: int | None, subject_label: str, note: str | None = None,
                        data: dict[str, Any] | None = None) -> StaffActionRecord:
    """One line of the audit log, committed (or rolled back) with the change it describes."""
    record = StaffActionRecord(actor_id=actor.person_id, actor_name=actor.name, actor_role=actor.role,
                               action=action, subject_type=subject_type, subject_id=subject_id,
                               subject_label=subject_label[:200], note=note, data=data or {}, created_at=now)
    session.add(record)
    return record
