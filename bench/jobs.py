"""Scheduler-side work run in a process of its own, as the scheduler would run it, to time it and
to read that process's peak RSS: `python -m bench.jobs sweep URL NOW` prints one JSON line.

Each SQL statement's time is summed by statement text, so a slow run shows at once which query it was.
"""
from __future__ import annotations

import json
import resource
import sys
import time
from collections import defaultdict
from datetime import datetime

from sqlalchemy import event


class StatementTimes:
    """Total time and count per SQL statement (its first 160 characters)."""

    def __init__(self, engine) -> None:
        self.totals: dict[str, list[float]] = defaultdict(lambda: [0.0, 0])
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        conn.info.setdefault("bench_started", []).append(time.perf_counter())

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        elapsed = time.perf_counter() - conn.info["bench_started"].pop()
        row = self.totals[" ".join(statement.split())[:160]]
        row[0] += elapsed
        row[1] += 1

    def top(self, n: int = 6) -> list[dict]:
        rows = sorted(self.totals.items(), key=lambda item: -item[1][0])[:n]
        return [{"statement": s, "total_ms": round(t * 1000, 1), "calls": c} for s, (t, c) in rows]


def peak_rss_mib() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _runtime(url: str, now: datetime):
    from server.adapters.clock import ManualClock
    from server.config import load_settings
    from server.runtime import build_runtime

    return build_runtime(load_settings({"DATABASE_URL": url, "MINYI_ENV": "testing"}), clock=ManualClock(now))


def sweep(url: str, now_iso: str) -> dict:
    from server.services.deadlines import sweep_deadlines

    now = datetime.fromisoformat(now_iso)
    runtime = _runtime(url, now)
    times = StatementTimes(runtime.engine)
    # A scheduler process is long-lived: configure the mappers and open the pool's first connection
    # outside the timing, as they would have been long before.
    from sqlalchemy.orm import configure_mappers

    configure_mappers()
    with runtime.engine.connect():
        pass
    started = time.perf_counter()
    result = sweep_deadlines(runtime.uow(), now=now)
    seconds = time.perf_counter() - started
    runtime.dispose()
    return {"seconds": round(seconds, 4), "result": _plain(result), "peak_rss_mib": peak_rss_mib(),
            "statements": times.top()}


def _plain(value):
    """The service's return value as JSON (a dataclass, a dict, a number…)."""
    from dataclasses import asdict, is_dataclass

    if is_dataclass(value):
        return asdict(value)
    if isinstance(value, dict | list | int | float | str) or value is None:
        return value
    return repr(value)


def main(argv: list[str]) -> int:
    job, *args = argv
    result = {"sweep": sweep}[job](*args)
    print(json.dumps(result, ensure_ascii=False, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
