"""The linkage deadline sweep: reminders 3 days and 1 day before a task's due date to the street offices
that still owe results, and the overdue flag (street office and district told) once it has passed.

Exactly once with any number of schedulers: each assignment is handled in its own transaction holding
its row lock (SKIP LOCKED on PostgreSQL, BEGIN IMMEDIATE on SQLite), and each mark (3, 1, 0 = overdue)
is claimed by `INSERT … ON CONFLICT DO NOTHING` into `linkage_reminders` in the same transaction as its
pushes: only the transaction whose insert made the row pushes. A sweep that comes late (schedulers
down) claims the marks it skipped without pushing them: only the latest one is said.
"""
from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.core.db import insert_for
from server.core.uow import UnitOfWork
from server.linkage.common import due_label, people_of, push, record_event
from server.linkage.models import LinkageAssignment, LinkageReminder, LinkageTask
from server.linkage.rules import (
    OVERDUE_MARK,
    OWING,
    REMINDER_DAYS,
    LinkageAction,
    TaskState,
    crossed_reminders,
    days_left,
)
from server.people.rules import Actor, Role
from server.places.models import Street
from server.pushes.states import OutboxKind

log = logging.getLogger(__name__)
MAX_PER_SWEEP = 2000


def due_assignment_ids(session: Session, now: datetime, limit: int = MAX_PER_SWEEP) -> list[int]:
    """Owing assignments of issued tasks within the first reminder's reach, not yet flagged overdue."""
    done = select(LinkageReminder.id).where(LinkageReminder.assignment_id == LinkageAssignment.id,
                                            LinkageReminder.days_before == OVERDUE_MARK).exists()
    query = (select(LinkageAssignment.id).join(LinkageTask, LinkageTask.id == LinkageAssignment.task_id)
             .where(LinkageTask.state == TaskState.issued, LinkageAssignment.state.in_(OWING),
                    LinkageTask.due_at <= now + timedelta(days=max(REMINDER_DAYS)), ~done)
             .order_by(LinkageTask.due_at, LinkageAssignment.id).limit(limit))
    return list(session.scalars(query))


def _claim(session: Session, assignment_id: int, mark: int, pushes: int, now: datetime) -> bool:
    insert = insert_for(session.get_bind().dialect.name)
    statement = (insert(LinkageReminder).values(assignment_id=assignment_id, days_before=mark, pushes=pushes,
                                                created_at=now)
                 .on_conflict_do_nothing(index_elements=["assignment_id", "days_before"])
                 .returning(LinkageReminder.id))
    return session.execute(statement).scalar() is not None


def _sweep_one(uow: UnitOfWork, assignment_id: int, now: datetime) -> Counter[str]:
    outcome: Counter[str] = Counter()
    with uow.transaction() as session:
        assignment = session.scalar(select(LinkageAssignment).where(LinkageAssignment.id == assignment_id)
                                    .with_for_update(skip_locked=True).execution_options(populate_existing=True))
        if assignment is None:
            outcome["skipped"] += 1
            return outcome
        task = session.get(LinkageTask, assignment.task_id)
        if task.state != TaskState.issued or assignment.state not in OWING:
            return outcome
        marks = crossed_reminders(task.due_at, now)
        if not marks:
            return outcome
        *older, latest = marks
        for mark in older:
            outcome["claimed"] += _claim(session, assignment.id, mark, 0, now)
        offices = people_of(session, Role.street_office, assignment.street_id)
        district = people_of(session, Role.district_committee) if latest == OVERDUE_MARK else []
        if not _claim(session, assignment.id, latest, len(offices) + len(district), now):
            return outcome
        outcome["claimed"] += 1
        street = session.get(Street, assignment.street_id)
        payload = {"task_id": task.id, "task_title": task.title, "street_name": street.name,
                   "due_date": due_label(task.due_at), "days_left": days_left(task.due_at, now)}
        if latest == OVERDUE_MARK:
            assignment.overdue = True
            record_event(session, task.id, LinkageAction.overdue, Actor.system(), now, assignment_id=assignment.id,
                         note=f"超过完成期限（{payload['due_date']}）仍未提交")
            push(session, offices + district, kind=OutboxKind.linkage_overdue, now=now, subject_id=assignment.id,
                 key="overdue", payload=payload)
            outcome["overdue"] += 1
        else:
            record_event(session, task.id, LinkageAction.remind, Actor.system(), now, assignment_id=assignment.id,
                         note=f"距完成期限还剩 {payload['days_left']} 天", data={"days_before": latest})
            push(session, offices, kind=OutboxKind.linkage_reminder, now=now, subject_id=assignment.id,
                 key=f"remind:{latest}", payload=payload)
            outcome["reminded"] += 1
        outcome["pushes"] += len(offices) + len(district)
    return outcome


def sweep_linkage_deadlines(uow: UnitOfWork) -> dict[str, Any]:
    """Reminders and overdue flags for every assignment that is due, as of the clock's now."""
    now = uow.clock.now()
    with uow.transaction() as session:
        due = due_assignment_ids(session, now)
    totals: Counter[str] = Counter()
    for assignment_id in due:
        try:
            totals.update(_sweep_one(uow, assignment_id, now))
        except Exception:
            log.exception("linkage deadline sweep failed for assignment %s", assignment_id)
            totals["errors"] += 1
    return {"now": now.isoformat(), "checked": len(due),
            **{key: totals[key] for key in ("skipped", "claimed", "reminded", "overdue", "pushes", "errors")}}
