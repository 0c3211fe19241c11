"""What an operator watches, read from the database at scrape time (so every process reports the same)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from server.cases.models import Case
from server.cases.states import OPEN_STATES
from server.core.uow import UnitOfWork
from server.operations.models import JobRun
from server.pushes.models import OutboxMessage
from server.pushes.states import OutboxStatus

WAITING = (OutboxStatus.pending, OutboxStatus.sending)


@dataclass(frozen=True)
class Figures:
    outbox_pending: int  # pushes waiting to be sent (new, to be retried, or being sent)
    outbox_oldest_seconds: float  # how long the oldest of them has waited; 0 when none
    outbox_dead: int  # pushes given up on (staff can retry them)
    overdue_cases: int  # open cases past their 72 hours
    job_lag_seconds: dict[str, float]  # per job: now − its last successful run
    job_ok: dict[str, bool]  # per job: did its last run succeed


def operating_figures(uow: UnitOfWork, now: datetime) -> Figures:
    with uow.transaction() as session:
        pending, oldest = session.execute(
            select(func.count(), func.min(OutboxMessage.created_at))
            .where(OutboxMessage.status.in_(WAITING))).one()
        dead = session.scalar(select(func.count()).select_from(OutboxMessage)
                              .where(OutboxMessage.status == OutboxStatus.dead))
        overdue = session.scalar(select(func.count()).select_from(Case)
                                 .where(Case.overdue.is_(True), Case.state.in_(OPEN_STATES)))
        runs = session.execute(select(JobRun.name, JobRun.last_ok_at, JobRun.started_at, JobRun.ok)).all()
    lag = {name: max(0.0, (now - (last_ok or started)).total_seconds()) for name, last_ok, started, _ in runs}
    return Figures(outbox_pending=pending, outbox_oldest_seconds=max(0.0, (now - oldest).total_seconds()) if oldest
                   else 0.0, outbox_dead=dead or 0, overdue_cases=overdue or 0, job_lag_seconds=lag,
                   job_ok={name: ok for name, _, _, ok in runs})
