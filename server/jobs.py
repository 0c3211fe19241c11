"""Periodic jobs (APScheduler 3.11): the deadline sweep, the push dispatcher, the chat's photo fetcher,
the halls' schedule, the panoramic window's figures, and registered extras.

There is ONE job per kind of work, never one per case: each run asks the database what is due.
Any number of scheduler processes may run at once on any number of hosts; correctness comes from
the database (row locks, claim rows, SKIP LOCKED), never from the scheduler, whose `max_instances=1`
only keeps one process from overlapping itself.

A job is `func(runtime) -> summary`: it opens its own unit(s) of work through `runtime.uow()`, calls
a service, commits, and returns something JSON-serialisable. Other features add theirs with
`register_periodic(name, func, seconds)` (e.g. the deliberation halls' topic open/close job), either
from `_builtin_jobs()` below or from code that runs before the scheduler is built.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from server.core.runtime import Runtime

log = logging.getLogger(__name__)

DEADLINE_SWEEP_SECONDS = 60
HALLS_SECONDS = 60
FIGURES_SECONDS = 60  # the panoramic window's roll-ups are at most about this old
DISPATCH_SECONDS = 5
DISPATCH_LIMIT = 100
DISPATCH_ROUNDS = 10  # at most this many batches of DISPATCH_LIMIT per run
MEDIA_SECONDS = 5
PRIVACY_RETENTION_SECONDS = 3600  # retention is counted in days: hourly is prompt enough


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    func: Callable[[Runtime], Any]
    seconds: float


_registered: dict[str, PeriodicJob] = {}


def register_periodic(name: str, func: Callable[[Runtime], Any], seconds: float) -> PeriodicJob:
    """Run `func(runtime)` every `seconds` in every scheduler process; a repeated name replaces the job."""
    if seconds <= 0:
        raise ValueError("a periodic job needs a positive interval")
    job = PeriodicJob(name, func, seconds)
    _registered[name] = job
    return job


def unregister_periodic(name: str) -> None:
    _registered.pop(name, None)


def sweep_deadlines_job(runtime: Runtime) -> dict[str, Any]:
    """Reminders, auto-forward, 72-hour escalation and auto-close for every case that is due."""
    from server.cases.jobs import sweep_deadlines

    return sweep_deadlines(runtime.uow())


def dispatch_outbox_job(runtime: Runtime) -> Any:
    """Send the pushes that are due through the WeChat gateway."""
    from server.pushes.dispatch import dispatch_due

    # runtime.wechat: one gateway per process (HTTP session, shared access-token storage), used by
    # dispatch_due's send threads at once (it is thread-safe). Each round claims up to DISPATCH_LIMIT
    # rows in one statement, sends them SEND_THREADS at a time and records them in one transaction.
    totals: dict[str, int] = {}
    for _ in range(DISPATCH_ROUNDS):  # a burst (a thousand reminders at 24 h) drains without waiting
        result = dispatch_due(runtime.uow(), runtime.wechat, limit=DISPATCH_LIMIT)
        for key, value in result.items():
            totals[key] = totals.get(key, 0) + value
        if result.get("claimed", 0) < DISPATCH_LIMIT:
            break
    return totals


def fetch_media_job(runtime: Runtime) -> Any:
    """Download the photos residents sent by chat and attach them to their cases."""
    from server.chat.media import fetch_due_media

    return fetch_due_media(runtime.uow(), runtime.wechat)


def _builtin_jobs() -> list[PeriodicJob]:
    return [
        PeriodicJob("journal", replay_journal_job, JOURNAL_SECONDS),
        PeriodicJob("deadlines", sweep_deadlines_job, DEADLINE_SWEEP_SECONDS),
        PeriodicJob("linkage", linkage_deadlines_job, LINKAGE_SECONDS),
        PeriodicJob("dispatch", dispatch_outbox_job, DISPATCH_SECONDS),
        PeriodicJob("media", fetch_media_job, MEDIA_SECONDS),
        PeriodicJob("halls", halls_schedule_job, HALLS_SECONDS),
        PeriodicJob("figures", figures_job, FIGURES_SECONDS),
        PeriodicJob("privacy_retention", privacy_retention_job, PRIVACY_RETENTION_SECONDS),
        PeriodicJob("receptions", receptions_job, RECEPTIONS_SECONDS),
    ]


def privacy_retention_job(runtime: Runtime) -> dict[str, Any]:
    """Erase the personal fields of closed cases past MINYI_RETENTION_DAYS; finish pending erasures."""
    from server.privacy.service import erase_expired_personal_data

    return erase_expired_personal_data(runtime.uow(), retention_days=runtime.settings.retention_days)


RECEPTIONS_SECONDS = 300


def receptions_job(runtime: Runtime) -> dict[str, Any]:
    """The day-before reminders of deputies' reception days (server.deputies.jobs)."""
    from server.deputies.jobs import remind_receptions

    return remind_receptions(runtime.uow())


def halls_schedule_job(runtime: Runtime) -> dict[str, Any]:
    """Open scheduled topics, warn 24 h before closing, close topics on time."""
    from server.halls.service import run_hall_schedule

    return run_hall_schedule(runtime.uow())


LINKAGE_SECONDS = 300  # due dates are whole days: a reminder five minutes late is on time


def linkage_deadlines_job(runtime: Runtime) -> dict[str, Any]:
    """区街联动: reminders 3 days and 1 day before a task's due date, then the overdue flag."""
    from server.linkage.jobs import sweep_linkage_deadlines

    return sweep_linkage_deadlines(runtime.uow())


def figures_job(runtime: Runtime) -> dict[str, Any]:
    """The panoramic window's daily roll-ups (dirty days recomputed), then last month's boards once the 1st came."""
    from server.statistics.boards import freeze_due_boards
    from server.statistics.rollup import roll_up_dirty

    summary = roll_up_dirty(runtime.uow())
    return summary | {"boards": freeze_due_boards(runtime.uow())}


def periodic_jobs(overrides: dict[str, float] | None = None) -> list[PeriodicJob]:
    """Every job a scheduler runs: the built-ins, then registered ones; `overrides` maps name -> seconds."""
    jobs = {job.name: job for job in _builtin_jobs()}
    jobs.update(_registered)
    overrides = overrides or {}
    unknown = set(overrides) - set(jobs)
    if unknown:
        raise ValueError(f"no periodic job named {', '.join(sorted(unknown))}")
    return [PeriodicJob(job.name, job.func, overrides.get(job.name, job.seconds)) for job in jobs.values()]


def run_job(runtime: Runtime, job: PeriodicJob) -> dict[str, Any]:
    """Run one job now; a failure is logged and reported, never raised (the scheduler must live on)."""
    started, started_at = time.monotonic(), datetime.now(UTC)
    try:
        result = job.func(runtime)
    except Exception as exc:
        log.exception("periodic job %s failed", job.name)
        summary = {"ok": False, "error": f"{type(exc).__name__}: {exc}",
                   "seconds": round(time.monotonic() - started, 3)}
    else:
        summary = {"ok": True, "result": result, "seconds": round(time.monotonic() - started, 3)}
    _note_run(runtime, job.name, started_at, summary)
    return summary


def _note_run(runtime: Runtime, name: str, started_at: datetime, summary: dict[str, Any]) -> None:
    """The run in `job_runs` (wall-clock time, like APScheduler's), for the scheduler lag on /metrics."""
    from server.operations.service import record_job_run

    try:
        record_job_run(runtime.uow(), name=name, started_at=started_at, finished_at=datetime.now(UTC),
                       ok=summary["ok"], seconds=summary["seconds"])
    except Exception as exc:  # the database is away: the job's own failure (if any) was logged already
        log.warning("could not record the run of job %s: %s", name, (str(exc).splitlines() or [""])[0][:200])


def run_all_once(runtime: Runtime, jobs: list[PeriodicJob] | None = None) -> dict[str, dict[str, Any]]:
    """Every job once, in order, as of the runtime's clock (what `minyi sweep` does)."""
    return {job.name: run_job(runtime, job) for job in (jobs if jobs is not None else periodic_jobs())}


def build_scheduler(runtime: Runtime, *, blocking: bool = False, overrides: dict[str, float] | None = None,
                    only: set[str] | None = None) -> BaseScheduler:
    """A scheduler with one interval job per periodic job (or those named in `only`); the first run is
    due at once."""
    scheduler: BaseScheduler = (BlockingScheduler if blocking else BackgroundScheduler)(timezone=UTC)
    first_run = datetime.now(UTC)  # APScheduler keeps real time, whatever clock the services use
    for job in periodic_jobs(overrides):
        if only is not None and job.name not in only:
            continue
        # Jitter spreads many scheduler processes so they do not all hit the database in the same second.
        scheduler.add_job(run_job, "interval", args=(runtime, job), id=job.name, name=job.name,
                          seconds=job.seconds, jitter=min(5.0, job.seconds / 10), next_run_time=first_run,
                          max_instances=1, coalesce=True, misfire_grace_time=max(1, int(job.seconds)))
    return scheduler


def parse_intervals(values: tuple[str, ...]) -> dict[str, float]:
    """`NAME=SECONDS` pairs from the command line."""
    overrides: dict[str, float] = {}
    for value in values:
        name, _, seconds = value.partition("=")
        try:
            overrides[name.strip()] = float(seconds)
        except ValueError:
            raise ValueError(f"expected NAME=SECONDS, got {value!r}") from None
        if overrides[name.strip()] <= 0:
            raise ValueError(f"interval for {name} must be positive")
    return overrides



JOURNAL_SECONDS = 10


def replay_journal_job(runtime: Runtime) -> dict[str, Any]:
    """Replay the messages this host journalled while the database was down (bot.journal), in order.

    The journal is a file of this host: every host's scheduler replays its own; a file lock keeps
    two processes of one host from replaying at once.
    """
    from server.chat.journal import inbound_journal, replay_journal

    return replay_journal(runtime.uow, inbound_journal(runtime))
