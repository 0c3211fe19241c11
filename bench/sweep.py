"""The deadline sweep at scale (PostgreSQL): does its cost follow the due cases, not all open cases?

Two sweeps, each in a fresh process (as the scheduler runs it), at the same instant `now`:
  A. 100k open cases, 1,000 due (1 %);
  B. the same plus 900k more open cases, again 1,000 due: 1M open, so B ÷ A isolates the cost of
     the 900k cases that are not due (the goal: ≤ 1.5). With 1 % of 1M due (10,000), one sweep
     call would stop at the service's own cap (MAX_CASES_PER_SWEEP) and time that cap instead.
"""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime

from sqlalchemy import create_engine, func, select

from . import env, seed
from .sizes import Sizes


def available() -> str | None:
    try:
        from server.cases.jobs import sweep_deadlines  # noqa: F401
    except ImportError:
        return "server.cases.jobs.sweep_deadlines has not landed on this branch"
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
        seed.prepare(url, residents=max(1_000, large // 10))
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
        finally:
            engine.dispose()
    a, b = out["sizes"][str(small)]["seconds"], out["sizes"][str(large)]["seconds"]
    out["ratio"] = round(b / a, 2) if a else None
    out["ms_per_due_case"] = {size: round(row["seconds"] * 1000 / due, 2) for size, row in out["sizes"].items()}
    out["scheduler_peak_rss_mib"] = max(row["peak_rss_mib"] for row in out["sizes"].values())
    return out


def _sweep(url: str, engine, now: datetime, due: int, log) -> dict:
    open_cases = _count_open(engine)
    row = run_job("sweep", url, now.isoformat())
    row.update(open=open_cases, due=due, result_text=_short(row["result"]))
    log(f"sweep: {open_cases:,} open, {due:,} due: {row['seconds']:.3f} s ({row['result_text']})")
    return row


def _count_open(engine) -> int:
    from server.cases.models import Case
    from server.cases.states import OPEN_STATES

    with engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(Case)
                                 .where(Case.state.in_([s.value for s in OPEN_STATES])))


def _short(result) -> str:
    """The sweep's non-zero counts, e.g. `checked 1000, reminders_sent 750, overdue 250`."""
    if isinstance(result, dict):
        return ", ".join(f"{k} {v}" for k, v in result.items() if isinstance(v, int) and v)
    return str(result)[:120]
