"""A sweep's cost follows the due cases, not all cases: statement counts and PostgreSQL's query plan."""
from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import event, text

from server.cases.jobs import due_cases_query, sweep_deadlines
from tests.factories import World

from .helpers import insert_cases

pytestmark = pytest.mark.both_databases("the sweep's statements per dialect")


class StatementCounter:
    def __init__(self, engine) -> None:
        self.engine, self.count = engine, 0

    def __enter__(self) -> StatementCounter:
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *_exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self._count)

    def _count(self, *_args) -> None:
        self.count += 1


def test_idle_cases_cost_the_sweep_nothing(world, runtime, clock):
    street, reporter = world.street("hubin").id, world.person("章小平").id
    now = clock.now()
    with StatementCounter(runtime.engine) as empty:
        assert sweep_deadlines(runtime.uow())["checked"] == 0
    insert_cases(runtime, count=3000, street_id=street, reporter_id=reporter, first=now - timedelta(hours=5),
                 spacing=timedelta(seconds=1), due=False, prefix="IDLE")
    with StatementCounter(runtime.engine) as idle:
        assert sweep_deadlines(runtime.uow())["checked"] == 0
    assert idle.count == empty.count  # 3,000 open cases that are not due: not one more statement

    due = insert_cases(runtime, count=10, street_id=street, reporter_id=reporter, first=now - timedelta(hours=30),
                       spacing=timedelta(seconds=1), prefix="DUE")
    with StatementCounter(runtime.engine) as busy:
        summary = sweep_deadlines(runtime.uow())
    assert summary["checked"] == len(due) and summary["reminders_sent"] == len(due)
    per_case = (busy.count - empty.count) / len(due)
    assert per_case < 40, per_case  # a bounded amount of work per due case


def test_postgresql_reads_due_cases_through_the_partial_index(pg_runtime):
    runtime = pg_runtime
    world = World.load(runtime)
    now = runtime.clock.now()
    street, reporter = world.street("hubin").id, world.person("章小平").id
    insert_cases(runtime, count=20000, street_id=street, reporter_id=reporter, first=now - timedelta(hours=30),
                 spacing=timedelta(seconds=1), due=False, prefix="IDLE")
    insert_cases(runtime, count=20, street_id=street, reporter_id=reporter, first=now - timedelta(hours=25),
                 spacing=timedelta(seconds=1), prefix="DUE")
    with runtime.engine.begin() as connection:
        connection.execute(text("ANALYZE cases"))
        compiled = due_cases_query(now).compile(connection, compile_kwargs={"literal_binds": True})
        plan = "\n".join(connection.execute(text(f"EXPLAIN (ANALYZE, BUFFERS) {compiled}")).scalars())
    print(plan)
    assert "ix_cases_next_check_at" in plan and "Seq Scan" not in plan, plan
    started = time.perf_counter()
    summary = sweep_deadlines(runtime.uow())
    elapsed = time.perf_counter() - started
    print(f"sweep over 20,020 open cases, 20 due: {elapsed * 1000:.0f} ms, {summary}")
    assert summary["checked"] == 20 and summary["reminders_sent"] == 20
