"""Scheduler-side work run in a process of its own, as the scheduler would run it, to time it and
to read that process's peak RSS: `python -m bench.jobs sweep URL NOW` or
`python -m bench.jobs dispatch URL SANDBOX_API NOW LIMIT FAILURE_RATE` prints one JSON line.

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
    from server.core.clock import ManualClock
    from server.core.runtime import build_runtime
    from server.core.settings import load_settings

    return build_runtime(load_settings({"DATABASE_URL": url, "MINYI_ENV": "testing"}), clock=ManualClock(now))


def sweep(url: str, now_iso: str) -> dict:
    from server.cases.jobs import sweep_deadlines

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
    result = sweep_deadlines(runtime.uow())
    seconds = time.perf_counter() - started
    runtime.dispose()
    return {"seconds": round(seconds, 4), "result": _plain(result), "peak_rss_mib": peak_rss_mib(),
            "statements": times.top()}


class SharedClock:
    """Real time plus an offset that all dispatcher processes share through a file, so that the
    leases they set and check lie on one timeline while idle ones skip over retry backoffs."""

    def __init__(self, path: str, start: datetime) -> None:
        from datetime import UTC

        self.path, self.base = path, start - datetime.now(UTC)

    def _offset(self) -> float:
        try:
            with open(self.path) as file:
                return float(file.read() or 0)
        except (OSError, ValueError):
            return 0.0

    def now(self) -> datetime:
        from datetime import UTC, timedelta

        return datetime.now(UTC) + self.base + timedelta(seconds=self._offset())

    def skip_to(self, moment: datetime, *, at_most: float) -> None:
        """Move the shared timeline forward to `moment`, by at most `at_most` seconds."""
        import os

        step = min(at_most, (moment - self.now()).total_seconds())
        if step > 0:
            tmp = f"{self.path}.{os.getpid()}"
            with open(tmp, "w") as file:
                file.write(str(self._offset() + step))
            os.replace(tmp, self.path)


def dispatch(url: str, sandbox_api: str, now_iso: str, limit: str, failure_rate: str, clock_file: str) -> dict:
    """Drain the outbox like one dispatcher process of the scheduler, through the sandbox.

    Before each round of up to `limit` rows it asks the sandbox to fail the next template sends,
    `failure_rate` of the rows it sent so far (alternately HTTP 500 and errcode 45009, both transient). When nothing is due
    but rows wait for their retry backoff, the clock jumps to the earliest: backoff is idle time,
    not work, so sends/s counts the dispatcher's own speed. The jump is shared by all dispatchers
    (SharedClock), made only while no push is being sent and by less than the dispatcher's lease, so
    that no lease expires under a send in flight (which would be a benchmark artefact, not a crash).
    """
    from sqlalchemy import func, select
    from sqlalchemy.orm import configure_mappers

    from server.core.runtime import build_runtime
    from server.core.settings import load_settings
    from server.pushes.dispatch import LEASE, dispatch_due
    from server.pushes.models import OutboxMessage

    clock = SharedClock(clock_file, datetime.fromisoformat(now_iso))
    settings = load_settings({"DATABASE_URL": url, "MINYI_ENV": "testing", "WECHAT_API_BASE": sandbox_api})
    runtime = build_runtime(settings, clock=clock)
    times = StatementTimes(runtime.engine)
    configure_mappers()
    gateway = runtime.wechat
    rate, modes = float(failure_rate), [{"mode": "http500"}, {"mode": "errcode", "errcode": 45009}]
    owed = 0.0   # faults owed to the sends so far: `rate` of them, injected before the next round
    totals: dict[str, int] = {}
    rounds = 0
    started, wall_started = time.perf_counter(), time.time()
    while True:
        if int(owed):
            fault = {"path": "cgi-bin/message/template/send", "times": int(owed), **modes[rounds % 2]}
            _post(f"{sandbox_api}/faults", fault)
            owed -= int(owed)
        summary = dispatch_due(runtime.uow(), gateway, limit=int(limit))
        owed += rate * summary["claimed"]
        rounds += 1
        for key, value in summary.items():
            totals[key] = totals.get(key, 0) + value
        if summary["claimed"]:
            continue
        with runtime.uow().transaction() as session:
            waiting = session.scalar(select(func.min(OutboxMessage.available_at))
                                     .where(OutboxMessage.status == "pending"))
            sending = session.scalar(select(func.count()).select_from(OutboxMessage)
                                     .where(OutboxMessage.status == "sending"))
        if waiting is None and not sending:
            break
        if waiting is not None and not sending:
            clock.skip_to(waiting, at_most=LEASE.total_seconds() / 2)
        else:
            time.sleep(0.01)
    seconds = time.perf_counter() - started
    runtime.dispose()
    return {"seconds": round(seconds, 3), "started": wall_started, "finished": wall_started + seconds,
            "rounds": rounds, "totals": totals, "peak_rss_mib": peak_rss_mib(), "statements": times.top()}


def _post(url: str, body: dict) -> None:
    """A fresh connection per call, retried: a kept-alive one may be closed by the server as we reuse it."""
    import requests

    for attempt in range(3):
        try:
            requests.post(url, json=body, timeout=10).raise_for_status()
            return
        except requests.ConnectionError:
            if attempt == 2:
                raise
            time.sleep(0.2)


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
    result = {"sweep": sweep, "dispatch": dispatch}[job](*args)
    print(json.dumps(result, ensure_ascii=False, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
