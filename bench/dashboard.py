"""Statistics and query-side services at scale (PostgreSQL, a year of cases): p50/p95 per query.

Each query is a real service of the product, called in-process through a unit of work as a web
worker would call it (no HTTP, so the figures are the database and service cost alone). Queries
whose service has not landed on this branch are left out and listed under `missing`; actors rotate
over every person of the role so no single cached plan or row set flatters the figures.

The panoramic window's page view reads the daily roll-ups (`statistics.window.public_window`); the
full rebuild of those roll-ups from the whole year is timed on its own line, marked as not in the
goal (the figures job keeps them by the day, off any request), so nothing is hidden. `bench/figures.py`
measures the window itself at 3 years.
"""
from __future__ import annotations

import importlib
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from . import env, seed
from .sizes import Sizes


@dataclass(frozen=True)
class Query:
    name: str
    module: str
    function: str
    role: str
    call: Callable  # (function, uow, actor_id, module) -> Any
    goal: bool = True  # counts towards `max_p95_ms` (what a request costs); False: a background job
    prepare: Callable | None = None  # (uow, module) -> None, once before timing (e.g. the state a page reads)


def _roll_up(uow, module) -> None:
    from server.statistics.rollup import rebuild_figures

    rebuild_figures(uow)  # what the scheduler's figures job has done by now


def _case_filter(module, **kwargs):
    return module.CaseFilter(**kwargs)


QUERIES = [
    Query("panoramic window: the public page view, this month (全景视窗, 赛马晾晒; reads the daily roll-ups)",
          "server.statistics.window", "public_window", "district_committee",
          lambda f, uow, actor, m: f(uow), prepare=_roll_up),
    Query("scheduler job, not a page view: the roll-ups' full rebuild from the whole year (once; the figures "
          "job then recomputes only the days that changed; not in the goal)", "server.statistics.rollup",
          "rebuild_figures", "district_committee", lambda f, uow, actor, m: f(uow), goal=False),
    Query("street office: triage queue (awaiting me, by deadline)", "server.cases.queries", "list_cases",
          "street_office", lambda f, uow, actor, m: f(uow, actor_id=actor, filters=_case_filter(m, awaiting_me=True),
                                                      order="deadline")),
    Query("street office: all cases of the street, newest first", "server.cases.queries", "list_cases",
          "street_office", lambda f, uow, actor, m: f(uow, actor_id=actor)),
    Query("deputy: inbox (awaiting me)", "server.cases.queries", "list_cases", "deputy",
          lambda f, uow, actor, m: f(uow, actor_id=actor, filters=_case_filter(m, awaiting_me=True))),
    Query("handling unit: routed cases by deadline", "server.cases.queries", "list_cases", "handling_unit",
          lambda f, uow, actor, m: f(uow, actor_id=actor, filters=_case_filter(m, awaiting_me=True),
                                     order="deadline")),
    Query("district: overdue cases", "server.cases.queries", "list_cases", "district_committee",
          lambda f, uow, actor, m: f(uow, actor_id=actor, filters=_case_filter(m, overdue=True))),
    Query("resident: my cases", "server.cases.queries", "list_cases", "resident",
          lambda f, uow, actor, m: f(uow, actor_id=actor)),
    Query("deputy: duty record (履职记录 figures)", "server.cases.queries", "duty_record", "deputy",
          lambda f, uow, actor, m: f(uow, actor_id=actor)),
]
MAX_SECONDS_PER_QUERY = 20


def _resolve(query: Query):
    try:
        module = importlib.import_module(query.module)
        return module, getattr(module, query.function)
    except (ImportError, AttributeError):
        return None, None


def run(sizes: Sizes, log) -> dict:
    present = [(q, *_resolve(q)) for q in QUERIES]
    missing = [f"{q.module}.{q.function} ({q.name})" for q, module, _ in present if module is None]
    present = [(q, module, function) for q, module, function in present if module is not None]
    if not present:
        return {"status": "pending", "reason": "no statistics or case-query service has landed on this branch"}
    now = datetime.now(UTC).replace(microsecond=0)
    out: dict = {"cases": sizes.dashboard_cases, "queries": {}, "missing": missing,
                 "subject": ("the panoramic window's public page view (from the daily roll-ups the figures job "
                             "keeps) and the query-side services of the "
                             "mini-program API (case lists, the deputy's duty record)"),
                 "not_in_goal": [q.name for q, _, _ in present if not q.goal]}
    with env.pg_database("dashboard") as url:
        seed.prepare(url, residents=max(1_000, sizes.dashboard_cases // 10))
        from sqlalchemy import create_engine

        engine = create_engine(url)
        log(f"dashboard: seeding {sizes.dashboard_cases:,} cases over a year")
        with seed.IndexesDeferred(engine):
            seed.add_year_of_cases(engine, count=sizes.dashboard_cases, now=now)
        seed.vacuum_analyze(engine)
        engine.dispose()
        runtime = _runtime(url, now)
        try:
            for query, module, function in present:
                out["queries"][query.name] = _time_query(runtime, query, module, function, sizes.dashboard_repeats)
                row = out["queries"][query.name]
                log(f"dashboard: {query.name}: p50 {row['p50_ms']:.1f} ms, p95 {row['p95_ms']:.1f} ms")
        finally:
            runtime.dispose()
    goal = {q.name for q, _, _ in present if q.goal}
    out["max_p95_ms"] = max((row["p95_ms"] for name, row in out["queries"].items() if name in goal), default=None)
    return out


def _runtime(url: str, now: datetime):
    from server.core.clock import ManualClock
    from server.core.runtime import build_runtime
    from server.core.settings import load_settings

    return build_runtime(load_settings({"DATABASE_URL": url, "MINYI_ENV": "testing"}), clock=ManualClock(now))


def _time_query(runtime, query: Query, module, function, repeats: int) -> dict:
    from server.people.models import Person

    with runtime.uow().transaction() as session:
        actors = list(session.scalars(select(Person.id).where(Person.role == query.role).order_by(Person.id)))
    if not actors:
        raise env.BenchError(f"no {query.role} in the reference data for {query.name}")
    if query.prepare is not None:
        query.prepare(runtime.uow(), module)
    query.call(function, runtime.uow(), actors[0], module)   # warm the statement cache, as a live worker has
    samples: list[float] = []
    budget = time.monotonic() + MAX_SECONDS_PER_QUERY
    for index in range(repeats):
        started = time.perf_counter()
        query.call(function, runtime.uow(), actors[index % len(actors)], module)
        samples.append((time.perf_counter() - started) * 1000)
        if time.monotonic() > budget:
            break
    samples.sort()
    return {"p50_ms": round(statistics.median(samples), 2),
            "p95_ms": round(samples[min(len(samples) - 1, int(round(0.95 * (len(samples) - 1))))], 2),
            "calls": len(samples), "actors": len(actors)}
