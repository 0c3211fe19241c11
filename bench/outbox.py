"""Outbox throughput: N pushes through the sandbox with injected transient failures (PostgreSQL).

The sandbox (Minyi's own local WeChat) runs as one gunicorn process with threads, since it keeps its
call log and faults in memory. N `case_reminder` pushes to 200 deputies (each with a followed
official-account openid, so a template message) are written to the outbox, then DISPATCHERS
dispatcher processes drain it at once (`bench.jobs dispatch`, i.e. `dispatch_due` in a loop, as the
scheduler runs it; FOR UPDATE SKIP LOCKED shares the rows). Before each round a dispatcher asks the
sandbox to fail 10 % of the next template sends (HTTP 500 or errcode 45009, both transient).

Afterwards the sandbox's call log is the truth: every push must have been accepted by "WeChat"
exactly once (duplicates = extra accepted sends of one push; lost = pushes never accepted and not
dead-lettered either).
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, insert, select

from . import env
from .sizes import Sizes

DISPATCHERS = 4
ROUND_LIMIT = 100
RECIPIENTS = 200
TEMPLATE_PATH = "cgi-bin/message/template/send"
MARKER = re.compile(r"BZ-\d{7}")


def available() -> str | None:
    try:
        from server.pushes.dispatch import dispatch_due  # noqa: F401
    except ImportError:
        return "server.pushes.dispatch.dispatch_due has not landed on this branch"
    return None


def run(sizes: Sizes, log) -> dict:
    pending = available()
    if pending:
        return {"status": "pending", "reason": pending}
    now = datetime.now(UTC).replace(microsecond=0)
    # rounds small enough that every dispatcher has work for many rounds, also at smoke sizes
    limit = max(5, min(ROUND_LIMIT, sizes.outbox_pushes // (DISPATCHERS * 10)))
    venv_bin = Path(sys.executable).parent
    with tempfile.TemporaryDirectory(prefix="minyi-bench-outbox-") as scratch, env.pg_database("outbox") as url:
        _prepare(url, sizes.outbox_pushes, now)
        sandbox = env.start_gunicorn(
            "sandbox", gunicorn=str(venv_bin / "gunicorn"), app="server:create_app()", cwd=env.ROOT,
            log_dir=Path(scratch), workers=1, threads=8, ready_path="/healthz", ready_status=(200,),
            env={**os.environ, "DATABASE_URL": f"sqlite:///{scratch}/sandbox.sqlite3", "MINYI_INSTANCE_DIR": scratch,
                 "MINYI_ENV": "testing", "PYTHONPATH": str(env.ROOT)})
        try:
            api = f"{sandbox.url}/sandbox/api"
            log(f"outbox: {sizes.outbox_pushes:,} pushes, {DISPATCHERS} dispatchers, "
                f"{sizes.outbox_failure_rate:.0%} injected failures")
            sandbox_cpu, children_cpu = sandbox.worker_cpu(), _children_cpu()
            busy_before, total_before = env.machine_busy()
            started = time.monotonic()
            clock_file = str(Path(scratch) / "clock-offset")
            processes = [subprocess.Popen([sys.executable, "-m", "bench.jobs", "dispatch", url, api, now.isoformat(),
                                           str(limit), str(sizes.outbox_failure_rate), clock_file],
                                          cwd=env.ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                         for _ in range(DISPATCHERS)]
            jobs = []
            for process in processes:
                out, err = process.communicate(timeout=1800)
                if process.returncode != 0:
                    raise env.BenchError(f"dispatcher failed: {err.strip()[-1500:]}")
                jobs.append(json.loads(out.strip().splitlines()[-1]))
            seconds = time.monotonic() - started
            busy_after, total_after = env.machine_busy()
            sandbox_cpu, children_cpu = sandbox.worker_cpu() - sandbox_cpu, _children_cpu() - children_cpu
            calls = _calls(api)
            sandbox_rss = sandbox.worker_peak_rss()
        finally:
            sandbox.stop()
        result = _verdict(url, calls, sizes.outbox_pushes)
    # From the first dispatcher's first round to the last one's end: the processes' start-up is not sending.
    draining = max(job["finished"] for job in jobs) - min(job["started"] for job in jobs)
    result.update(seconds=round(draining, 2), wall_seconds_with_startup=round(seconds, 2), dispatchers=DISPATCHERS,
                  round_limit=limit, failure_rate=sizes.outbox_failure_rate,
                  sends_per_s=round(result["delivered"] / draining, 1),
                  scheduler_peak_rss_mib=max(job["peak_rss_mib"] for job in jobs),
                  sandbox_peak_rss_mib=sandbox_rss,
                  dispatcher_totals=dict(sum((Counter(job["totals"]) for job in jobs), Counter())),
                  statements=jobs[0]["statements"],
                  # Who used the CPU while the outbox drained (seconds, and share of one core): is the
                  # sandbox (one process) or are the dispatchers the bottleneck, on a machine this busy?
                  cpu={"sandbox_s": round(sandbox_cpu, 1), "sandbox_core_share": round(sandbox_cpu / seconds, 2),
                       "dispatchers_s": round(children_cpu, 1),
                       "dispatchers_core_share": round(children_cpu / seconds, 2),
                       "machine_busy_share": round((busy_after - busy_before) / max(1, total_after - total_before), 2),
                       "cores": os.cpu_count()})
    log(f"outbox: {result['delivered']:,} delivered in {draining:.1f} s ({result['sends_per_s']}/s), "
        f"{result['retries']} retries, {result['duplicates']} duplicates, {result['lost']} lost; CPU {result['cpu']}")
    return result


def _children_cpu() -> float:
    """CPU seconds of this process's waited-for children (the dispatcher processes)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _prepare(url: str, pushes: int, now: datetime) -> None:
    """Reference data, 200 deputies who follow the official account, and `pushes` pending reminders."""
    from server.core import migrations as migrate
    from server.demo import _load_reference
    from server.people.models import Person, WechatIdentity
    from server.people.rules import Role
    from server.places.models import Street
    from server.pushes.models import OutboxMessage

    migrate.upgrade(url, "heads")
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            from sqlalchemy.orm import Session

            with Session(bind=connection) as session:
                _load_reference(session, now)
                session.flush()
            streets = list(connection.scalars(select(Street.id).order_by(Street.id)))
            connection.execute(insert(Person), [
                dict(name=f"推送代表{i}", role=Role.deputy, street_id=streets[i % len(streets)], is_active=True,
                     created_at=now) for i in range(RECIPIENTS)])
            ids = list(connection.scalars(select(Person.id).where(Person.name.like("推送代表%")).order_by(Person.id)))
            connection.execute(insert(WechatIdentity), [
                dict(app="mp", openid=f"opush{i:05d}", person_id=person_id, subscribed=True, created_at=now)
                for i, person_id in enumerate(ids)])
            connection.execute(insert(OutboxMessage), [
                dict(dedupe_key=f"bench-push:{i}", kind="case_reminder", recipient_id=ids[i % len(ids)],
                     payload={"tracking_number": f"BZ-{i:07d}", "hours_left": 48, "threshold": 24},
                     status="pending", attempts=0, available_at=now, created_at=now)
                for i in range(pushes)])
    finally:
        engine.dispose()


def _calls(api: str) -> list[dict]:
    with urllib.request.urlopen(f"{api}/calls?path={TEMPLATE_PATH}", timeout=60) as response:
        return json.loads(response.read())["calls"]


def _verdict(url: str, calls: list[dict], pushes: int) -> dict:
    from server.pushes.models import OutboxMessage

    accepted: Counter[str] = Counter()
    failed = 0
    for call in calls:
        response = call.get("response") if isinstance(call.get("response"), dict) else {}
        if call.get("fault") or call.get("status") != 200 or response.get("errcode", 0) != 0:
            failed += 1
            continue
        match = MARKER.search(json.dumps(call.get("body"), ensure_ascii=False))
        if match:
            accepted[match.group(0)] += 1
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(select(OutboxMessage.payload, OutboxMessage.status, OutboxMessage.attempts)
                                      .where(OutboxMessage.dedupe_key.like("bench-push:%"))).all()
    finally:
        engine.dispose()
    status = Counter(row.status for row in rows)
    lost = sum(1 for row in rows if accepted[row.payload["tracking_number"]] == 0 and row.status != "dead")
    return {"pushes": pushes, "delivered": len(accepted), "sent": status.get("sent", 0), "dead": status.get("dead", 0),
            "skipped": status.get("skipped", 0), "statuses": dict(status),
            "duplicates": sum(count - 1 for count in accepted.values() if count > 1), "lost": lost,
            "retries": sum(row.attempts for row in rows) - len(rows), "failed_calls": failed,
            "template_calls": len(calls), "injected_failure_share": round(failed / max(1, len(calls)), 3)}
