"""The deadline sweep: reminders at 24/48/66 h, escalation at 72 h, auto-forward and auto-close.

How it finds work: every case carries `next_check_at`, the next instant at which something may fall
due for it (NULL when nothing can). The sweep reads only rows with `next_check_at <= now` through the
partial index `ix_cases_next_check_at`, so its cost grows with the cases that are due, not with all
cases. Every change of state or holder in the case engine sets `next_check_at` to the time of the
change, so a case that was resolved, reopened or re-routed is re-planned at the next run.

How it stays exactly-once with any number of sweepers on any number of hosts:
- each case is handled in its own transaction, holding the case row lock (`FOR UPDATE SKIP LOCKED`
  on PostgreSQL, so sweepers share the work instead of queueing; SQLite's BEGIN IMMEDIATE there),
  after re-checking `next_check_at <= now` under that lock: a case another sweeper has just done no
  longer qualifies;
- each (case, threshold) reminder is claimed with `INSERT ... ON CONFLICT DO NOTHING` into
  `case_reminders` in the same transaction as its outbox rows; pushes are written only when the insert
  claimed the row. Transitions (auto-forward, escalation, auto-close) re-check the state under the lock.

Catching up: a case that crossed several thresholds while nobody swept (sweepers down) records every
crossed threshold but pushes only the latest one, since older reminders would only repeat it with
stale "hours left"; past the 72-hour deadline no reminder is pushed at all, the overdue notice
supersedes them. `case_reminders.pushes` tells which claims pushed (0 = superseded or nobody to tell).
"""
from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, tuple_, update
from sqlalchemy.orm import Session

from server.cases import deadlines as rules
from server.cases import holders
from server.cases import service as cases
from server.cases.models import Case, CaseReminder
from server.cases.states import OPEN_STATES, CaseState, Holder
from server.core.db import insert_for
from server.core.uow import UnitOfWork
from server.people.models import Person
from server.people.rules import Role
from server.pushes import notifications

log = logging.getLogger(__name__)

OVERDUE_REASON = "超过72小时未办结"
BATCH_SIZE = 200
MAX_CASES_PER_SWEEP = 5000
RETRY_FAILED_AFTER = timedelta(minutes=15)


def sweep_deadlines(uow: UnitOfWork, *, batch_size: int = BATCH_SIZE,
                    max_cases: int = MAX_CASES_PER_SWEEP) -> dict[str, Any]:
    """Do everything that has fallen due by the clock's now, one transaction per case.

    Reads due cases in batches of `batch_size`, at most `max_cases` per call (the rest waits for the
    next run). A case that fails is logged, counted under "errors" and retried 15 minutes later;
    the others go on. Returns counts: checked, skipped (another sweeper had it), auto_forwarded,
    reminders_claimed, reminders_sent, reminder_pushes, overdue, auto_closed, errors.
    """
    # What is due is decided as of one instant, read once from the runtime's clock (tests move it).
    now = uow.clock.now()
    reminder_hours = _reminder_hours(uow)
    totals: Counter[str] = Counter()
    after: tuple[datetime, int] | None = None
    seen = 0
    while seen < max_cases:
        batch = _due_batch(uow, now, after, min(batch_size, max_cases - seen))
        if not batch:
            break
        for key in batch:
            after, seen = key, seen + 1
            try:
                totals.update(_sweep_case(uow, key[1], now, reminder_hours))
            except Exception:
                # One broken case must not hold up the others; it is retried later, loudly.
                log.exception("deadline sweep failed for case %s", key[1])
                totals["errors"] += 1
                _postpone(uow, key[1], now + RETRY_FAILED_AFTER)
    keys = ("checked", "skipped", "auto_forwarded", "reminders_claimed", "reminders_sent", "reminder_pushes",
            "overdue", "auto_closed", "errors")
    return {"now": now.isoformat(), **{key: totals[key] for key in keys}}


def _reminder_hours(uow: UnitOfWork) -> tuple[int, ...]:
    return tuple(uow.settings.reminder_hours) if uow.settings else rules.DEFAULT_REMINDER_HOURS


def _due_batch(uow: UnitOfWork, now: datetime, after: tuple[datetime, int] | None,
               limit: int) -> list[tuple[datetime, int]]:
    """(next_check_at, id) of due cases after the keyset `after`, in order; an index range scan."""
    query = select(Case.next_check_at, Case.id).where(Case.next_check_at <= now)
    if after is not None:
        query = query.where(tuple_(Case.next_check_at, Case.id) > tuple_(*after))
    query = query.order_by(Case.next_check_at, Case.id).limit(limit)
    with uow.transaction() as session:
        return [(row.next_check_at, row.id) for row in session.execute(query)]


def due_cases_query(now: datetime):
    """The sweep's first-batch query, exposed so tests and operators can EXPLAIN it."""
    return (select(Case.next_check_at, Case.id).where(Case.next_check_at <= now)
            .order_by(Case.next_check_at, Case.id).limit(BATCH_SIZE))


def _lock_if_due(session: Session, case_id: int, now: datetime) -> Case | None:
    """The case, locked, if it is still due; None when another sweeper holds it or has done it."""
    query = (select(Case).where(Case.id == case_id, Case.next_check_at <= now)
             .with_for_update(skip_locked=True).execution_options(populate_existing=True))
    return session.scalar(query)


def _sweep_case(uow: UnitOfWork, case_id: int, now: datetime, reminder_hours: tuple[int, ...]) -> Counter[str]:
    outcome: Counter[str] = Counter()
    with uow.transaction() as session:
        case = _lock_if_due(session, case_id, now)
        if case is None:
            outcome["skipped"] += 1
            return outcome
        outcome["checked"] += 1
        if (case.state == CaseState.submitted and case.holder == Holder.deputies
                and case.submitted_at + rules.AUTO_FORWARD_AFTER <= now < case.deadline_at):
            # (Found only after 72 h, e.g. the schedulers were down: the escalation below supersedes it.)
            cases.auto_forward_case(uow, case_id=case.id)
            outcome["auto_forwarded"] += 1
        if case.state in OPEN_STATES and not case.overdue and now >= case.deadline_at:
            _mark_overdue(uow, session, case, now)
            outcome["overdue"] += 1
        if case.state in OPEN_STATES:
            outcome.update(_remind(uow, session, case, now, reminder_hours))
        if (case.state == CaseState.resolved and case.resolved_at is not None
                and now >= case.resolved_at + rules.AUTO_CLOSE_AFTER):
            cases.auto_close_case(uow, case_id=case.id)
            outcome["auto_closed"] += 1
        plan = rules.next_check_at(state=case.state, holder=case.holder, submitted_at=case.submitted_at,
                                   deadline_at=case.deadline_at, resolved_at=case.resolved_at,
                                   overdue=case.overdue, now=now, reminder_hours=reminder_hours)
        # A bulk UPDATE leaves the row's version alone: re-planning is not a change people must see.
        session.execute(update(Case).where(Case.id == case.id).values(next_check_at=plan)
                        .execution_options(synchronize_session=False))
    return outcome


def _claim(session: Session, case_id: int, threshold: int, pushes: int, now: datetime) -> bool:
    """Insert the (case, threshold) claim; True only for the transaction whose insert created it."""
    insert = insert_for(session.get_bind().dialect.name)
    statement = (insert(CaseReminder)
                 .values(case_id=case_id, threshold_hours=threshold, pushes=pushes, created_at=now)
                 .on_conflict_do_nothing(index_elements=[CaseReminder.case_id, CaseReminder.threshold_hours])
                 .returning(CaseReminder.id))
    return session.execute(statement).scalar() is not None


def _remind(uow: UnitOfWork, session: Session, case: Case, now: datetime,
            reminder_hours: tuple[int, ...]) -> Counter[str]:
    outcome: Counter[str] = Counter()
    crossed = rules.crossed_thresholds(case.submitted_at, now, reminder_hours)
    if not crossed:
        return outcome
    latest = crossed[-1]
    sendable = now < case.deadline_at
    people = holders.holder_ids(session, case) if sendable else []
    for threshold in crossed[:-1]:
        outcome["reminders_claimed"] += _claim(session, case.id, threshold, 0, now)
    if not _claim(session, case.id, latest, len(people), now):
        return outcome
    outcome["reminders_claimed"] += 1
    if not sendable:
        return outcome
    hours_left = rules.hours_left(case.deadline_at, now)
    payload = {"tracking_number": case.tracking_number, "hours_left": hours_left, "threshold": latest}
    holders.push_about(session, case, people, kind="case_reminder", now=now, payload=payload, dedupe=str(latest))
    if not people:
        log.warning("case %s reached %s h but nobody holds it (%s)", case.tracking_number, latest, case.holder)
    cases.record_reminder(uow, case_id=case.id, note=f"已超过{latest}小时，距72小时期限还剩{hours_left}小时",
                          data={"threshold": latest, "hours_left": hours_left, "recipients": len(people)})
    outcome["reminders_sent"] += 1
    outcome["reminder_pushes"] += len(people)
    return outcome


def _mark_overdue(uow: UnitOfWork, session: Session, case: Case, now: datetime) -> None:
    """72 hours passed unresolved: flag and escalate to the district committee; the street office is told."""
    if case.state == CaseState.escalated:
        # Escalated by hand before the deadline: already with the district committee, who hear it is late.
        cases.record_reminder(uow, case_id=case.id, note=OVERDUE_REASON, data={"overdue": True}, overdue=True)
        holders.notify_holders(session, case, kind="case_overdue", now=now,
                               payload={"reason": OVERDUE_REASON}, dedupe_suffix="overdue")
    else:
        cases.escalate_case(uow, actor_id=None, case_id=case.id, reason=OVERDUE_REASON, overdue=True)
    offices = session.scalars(select(Person).where(Person.role == Role.street_office, Person.is_active.is_(True),
                                                   Person.street_id == case.street_id).order_by(Person.id))
    payload = {"tracking_number": case.tracking_number, "reason": OVERDUE_REASON, "escalated": True}
    for person in offices:
        notifications.enqueue(session, kind="case_overdue", recipient_id=person.id, now=now, payload=payload,
                              case_id=case.id, dedupe_key=f"case_overdue:{case.id}:{person.id}")


def _postpone(uow: UnitOfWork, case_id: int, when: datetime) -> None:
    try:
        with uow.transaction() as session:
            session.execute(update(Case).where(Case.id == case_id, Case.next_check_at.is_not(None))
                            .values(next_check_at=when).execution_options(synchronize_session=False))
    except Exception:
        log.exception("could not postpone the deadline check of case %s", case_id)
