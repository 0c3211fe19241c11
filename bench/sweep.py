"""The deadline sweep at scale (PostgreSQL): does its cost follow the due cases, not all open cases?

Three sweeps, each in a fresh process (as the scheduler runs it), all at the same instant `now`:
  A. 100k open cases, 1,000 due (1 %);
  B. the same plus 900k more open cases, again 1,000 due: 1M open, so B ÷ A isolates the cost of
     the 900k cases that are not due (the goal: ≤ 1.5);
  C. 1M open cases with 1 % (10,000) due: the time per due case should match A's.
"""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime

from sqlalchemy import create_engine, func, select, text

from . import env, seed
from .sizes import Sizes


def available() -> str | None:
    try:
        from server.services.deadlines import sweep_deadlines  # noqa: F401
    except ImportError:
        return "server.services.deadlines.sweep_deadlines has not landed on this branch"
    return None


def run_job(*args: str) -> dict:
    result = subprocess.run([sys.executable, "-m", "bench.jobs", *args], cwd=env.ROOT, capture_output=True,
                            text=True, timeout=1800)
    if result.returncode != 0:
        raise env.BenchError(f"bench.jobs {args[0]} failed: {result.stderr.strip()[-1500:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def run(sizes: Sizes, log) -> dict:
    pending = available()
    if pending:
        return {"status": "pending", "reason": pending}
    small, large = sizes.sweep_cases
    due = max(4, round(small * sizes.due_fraction))
    now = datetime.now(UTC).replace(microsecond=0)
    out: dict = {"now": now.isoformat(), "sizes": {}}
    with env.pg_database("sweep") as url:
        seed.prepare(url)
        engine = create_engine(url)
        try:
            log(f"sweep: seeding {small:,} open cases ({due:,} due)")
            with seed.IndexesDeferred(engine):
                seed.add_open_cases(engine, first=1, count=small, due=due, now=now)
            seed.vacuum_analyze(engine)
            out["sizes"][str(small)] = _sweep(url, engine, now, due, log)
            log(f"sweep: adding {large - small:,} open cases ({due:,} due)")
            with seed.IndexesDeferred(engine):
                seed.add_open_cases(engine, first=small + 1, count=large - small, due=due, now=now)
            seed.vacuum_analyze(engine)
            out["sizes"][str(large)] = _sweep(url, engine, now, due, log)
            more = round(large * sizes.due_fraction)
            log(f"sweep: making {more:,} of the {large:,} open cases due")
            made = _make_due(engine, more, now)
            seed.vacuum_analyze(engine)
            out["one_percent_of_large"] = _sweep(url, engine, now, made, log)
        finally:
            engine.dispose()
    a, b = out["sizes"][str(small)]["seconds"], out["sizes"][str(large)]["seconds"]
    out["ratio"] = round(b / a, 2) if a else None
    c = out["one_percent_of_large"]
    out["ms_per_due_case"] = {"A": round(a * 1000 / due, 3), "C": round(c["seconds"] * 1000 / max(1, c["due"]), 3)}
    out["scheduler_peak_rss_mib"] = max(row["peak_rss_mib"] for row in [*out["sizes"].values(), c])
    return out


def _sweep(url: str, engine, now: datetime, due: int, log) -> dict:
    open_cases = _count_open(engine)
    row = run_job("sweep", url, now.isoformat())
    row.update(open=open_cases, due=due, result_text=_short(row["result"]))
    log(f"sweep: {open_cases:,} open, {due:,} due: {row['seconds']:.3f} s ({row['result_text']})")
    return row


def _count_open(engine) -> int:
    from server.domain.enums import OPEN_STATES
    from server.models import Case

    with engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(Case)
                                 .where(Case.state.in_([s.value for s in OPEN_STATES])))


def _make_due(engine, count: int, now: datetime) -> int:
    """Age `count` routed, not-yet-due cases so that their 24-h reminder is due (crossed < 50 min ago)."""
    queue = (",\n next_check_at = CAST(:now AS timestamp) - (id % 3000) * interval '1 second'"
             if "next_check_at" in _case_columns(engine) else "")
    with engine.begin() as connection:
        return connection.execute(text("""
            UPDATE cases SET submitted_at = CAST(:now AS timestamp) - interval '24 hours' - (id % 3000) * interval '1 second',
                             deadline_at = CAST(:now AS timestamp) + interval '48 hours' - (id % 3000) * interval '1 second',
                             accepted_at = CAST(:now AS timestamp) - interval '23 hours',
                             routed_at = CAST(:now AS timestamp) - interval '22 hours'{queue}
            WHERE id IN (SELECT id FROM cases WHERE state = 'routed' AND submitted_at > CAST(:now AS timestamp) - interval '23 hours'
                         ORDER BY id LIMIT :count)
        """.replace("{queue}", queue)), dict(now=now.astimezone(UTC).replace(tzinfo=None), count=count)).rowcount


def _case_columns(engine) -> set[str]:
    from sqlalchemy import inspect

    return {column["name"] for column in inspect(engine).get_columns("cases")}


def _short(result) -> str:
    """The sweep's non-zero counts, e.g. `checked 1000, reminders_sent 750, overdue 250`."""
    if isinstance(result, dict):
        return ", ".join(f"{k} {v}" for k, v in result.items() if isinstance(v, int) and v)
    return str(result)[:120]
