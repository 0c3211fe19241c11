"""Sweeping twice, or with several sweepers at the same instant, never acts twice."""
from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from server.cases.jobs import sweep_deadlines
from server.cases.models import CaseEvent, CaseReminder
from server.cases.states import CaseAction
from server.pushes.models import OutboxMessage

from .helpers import told

pytestmark = pytest.mark.both_databases("concurrent sweepers: SKIP LOCKED on PostgreSQL, the write queue on SQLite")


def sweep_in_threads(runtime, now, workers: int, batch_size: int = 200) -> list[dict]:
    runtime.clock.set(now)
    barrier = threading.Barrier(workers)
    results: list[dict] = [{} for _ in range(workers)]
    failures: list[BaseException] = []

    def work(index: int) -> None:
        try:
            barrier.wait()
            results[index] = sweep_deadlines(runtime.uow(), batch_size=batch_size)
        except BaseException as exc:  # reported to the test thread below
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(index,)) for index in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures
    return results


def remind_events(runtime) -> Counter:
    with runtime.uow().transaction() as session:
        rows = session.execute(select(CaseEvent.case_id, CaseEvent.data).where(CaseEvent.action == CaseAction.remind))
        return Counter((case_id, data["threshold"]) for case_id, data in rows)


def test_sweeping_the_same_instant_twice_sends_nothing_new(world, runtime, clock):
    case = world.create_case()
    clock.set(case.submitted_at + timedelta(hours=24))
    first = sweep_deadlines(runtime.uow())
    second = sweep_deadlines(runtime.uow())
    assert (first["reminders_sent"], second["reminders_sent"], second["checked"]) == (1, 0, 0)
    assert len(told(runtime, "case_reminder")) == 1


def test_concurrent_sweepers_act_once_per_case_and_threshold(world, runtime, clock):
    made = [world.create_case(description=f"第{i}处路灯不亮") for i in range(12)]
    workers = 4
    for hours in (13, 25, 49):
        now = made[-1].submitted_at + timedelta(hours=hours)
        results = sweep_in_threads(runtime, now, workers, batch_size=3)
        totals = Counter()
        for result in results:
            totals.update({key: value for key, value in result.items() if key != "now"})
        assert totals["checked"] == len(made), results  # every due case handled by exactly one sweeper
        assert totals["errors"] == 0
        assert totals["reminders_sent"] == (0 if hours == 13 else len(made))
    assert remind_events(runtime) == Counter({(case.id, threshold): 1 for case in made for threshold in (24, 48)})
    with runtime.uow().transaction() as session:
        assert session.scalar(select(func.count()).select_from(CaseReminder)) == 2 * len(made)
        kinds = Counter(session.scalars(select(OutboxMessage.kind)))
        forwarded = Counter(session.scalars(select(CaseEvent.case_id).where(
            CaseEvent.action == CaseAction.auto_forward)))
    assert forwarded == Counter({case.id: 1 for case in made})
    # hubin's office (one person) holds every case after the auto-forward: one push per reminder.
    assert (kinds["case_auto_forwarded"], kinds["case_reminder"]) == (len(made), 2 * len(made))
