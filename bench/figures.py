"""The panoramic window at scale: a full rebuild of the daily roll-ups, one day's roll-up, and the views.

Cases are generated in PostgreSQL over `figures_days` days (bench/seed.py, the same generator as the
statistics benchmark); the last week's cases also get their submission and resolution events, so a
day's roll-up reads a day of case events for the daily active people as the job does. Views are the
product's own functions (`server.statistics.window`, `queries`, `boards`), called in-process through
a unit of work, as a web worker calls them.
"""
from __future__ import annotations

import statistics
import time
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import create_engine, text

from . import env, seed
from .sizes import Sizes

EVENTS_SQL = """
INSERT INTO case_events (case_id, sequence, action, from_state, to_state, actor_id, actor_role, data, created_at)
SELECT id, 1, 'submit', NULL, 'submitted', reporter_id, 'resident', '{}'::jsonb, submitted_at
FROM cases WHERE submitted_at >= CAST(:since AS timestamp)
UNION ALL
SELECT id, 2, 'resolve', 'routed', 'resolved', NULL, 'handling_unit', '{}'::jsonb, resolved_at
FROM cases WHERE submitted_at >= CAST(:since AS timestamp) AND resolved_at IS NOT NULL
"""


def _timed(call, repeats: int) -> dict:
    call()  # warm the statement cache, as a live worker has
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return {"p50_ms": round(statistics.median(samples), 2),
            "p95_ms": round(samples[min(len(samples) - 1, int(round(0.95 * (len(samples) - 1))))], 2),
            "calls": len(samples)}


def run(sizes: Sizes, log) -> dict:
    from server.core.clock import ManualClock
    from server.core.figures import Period
    from server.core.runtime import build_runtime
    from server.core.settings import load_settings
    from server.statistics import boards, queries
    from server.statistics.rollup import local_day, rebuild_figures, roll_up_day, roll_up_dirty
    from server.statistics.window import console_window, public_window

    now = datetime.now(UTC).replace(microsecond=0)
    out: dict = {"cases": sizes.figures_cases, "days": sizes.figures_days, "views": {}}
    with env.pg_database("figures") as url:
        seed.prepare(url, residents=max(1_000, sizes.figures_cases // 10))
        engine = create_engine(url)
        log(f"figures: seeding {sizes.figures_cases:,} cases over {sizes.figures_days} days")
        with seed.IndexesDeferred(engine):
            seed.add_year_of_cases(engine, count=sizes.figures_cases, now=now, days=sizes.figures_days)
        with engine.begin() as connection:
            connection.execute(text(EVENTS_SQL), {"since": (now - timedelta(days=7)).replace(tzinfo=None)})
        seed.vacuum_analyze(engine)
        engine.dispose()
        runtime = build_runtime(load_settings({"DATABASE_URL": url, "MINYI_ENV": "testing"}), clock=ManualClock(now))
        try:
            uow = runtime.uow
            log("figures: full rebuild")
            out["rebuild"] = rebuild_figures(uow())
            log(f"figures: rebuild {out['rebuild']}")
            yesterday = local_day(now) - timedelta(days=1)
            with uow().transaction() as session:
                start = datetime.combine(yesterday, datetime.min.time()).replace(tzinfo=UTC) - timedelta(hours=8)
                out["day_cases"] = session.scalar(text(
                    "SELECT count(*) FROM cases WHERE submitted_at >= :a AND submitted_at < :b"),
                    {"a": start, "b": start + timedelta(days=1)})
            seconds = []
            for _ in range(5):
                started = time.perf_counter()
                roll_up_day(uow(), yesterday)
                seconds.append(time.perf_counter() - started)
            out["day_rollup_p50_s"] = round(statistics.median(seconds), 3)
            out["day_rollup_max_s"] = round(max(seconds), 3)
            started = time.perf_counter()
            roll_up_dirty(uow())
            out["job_run_idle_s"] = round(time.perf_counter() - started, 3)
            today = local_day(now)
            month = Period(today.replace(day=1), today)
            year = Period(today - timedelta(days=364), today)
            whole = Period(today - timedelta(days=sizes.figures_days - 1), today)
            views = {
                "public /dashboard (this month: figures, modules, ranking, 30-day trend, halls)":
                    lambda: public_window(uow(), month),
                "console: this month by street, daily trend, heat table, both rankings":
                    lambda: console_window(uow(), queries.Scope(month), "street", "day"),
                "console: a year by unit, weekly trend, heat table, both rankings":
                    lambda: console_window(uow(), queries.Scope(year), "unit", "week"),
                "console: a year of one street by category, monthly trend":
                    lambda: console_window(uow(), queries.Scope(year, street_id=1), "category", "month"),
                f"district figures over the whole {sizes.figures_days} days":
                    lambda: queries.district_figures(uow(), queries.Scope(whole)),
                f"monthly trend over the whole {sizes.figures_days} days":
                    lambda: queries.trend(uow(), queries.Scope(whole), "month"),
                "street ranking of last month": lambda: boards.live_ranking(
                    uow(), "streets", Period((month.first - timedelta(days=1)).replace(day=1),
                                             month.first - timedelta(days=1))),
            }
            for name, call in views.items():
                out["views"][name] = _timed(call, sizes.figures_repeats)
                row = out["views"][name]
                log(f"figures: {name}: p50 {row['p50_ms']:.1f} ms, p95 {row['p95_ms']:.1f} ms")
        finally:
            runtime.dispose()
    out["max_view_p95_ms"] = max(row["p95_ms"] for row in out["views"].values())
    out["measured_on"] = date.today().isoformat()
    return out
