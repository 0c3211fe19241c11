"""Webhook throughput and latency: Minyi (SQLite, PostgreSQL), the limit and the peer, interleaved.

Every subject runs under gunicorn with 2 sync workers; wrk (a separate process, one thread) posts
signed text messages with fresh MsgIds. For each concurrency level the rounds go A B C D, B C D A, …
so that drift on a shared machine falls on every subject alike.
"""
from __future__ import annotations

import hashlib
import json
import os
import resource
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, func, insert, select

from . import env
from .sizes import Sizes

TOKEN = "minyi-bench-token"
# Residents registered with a street before the run (Sizes.resident_pool): a first-time sender is asked
# for a street and makes no case, so the full path (case, events, outbox) needs senders the bot knows.
RESIDENT_POOL = 20_000
LUA = env.BENCH_DIR / "wechat.lua"


@dataclass
class Subject:
    name: str
    label: str
    path: str
    server: env.Server
    database_url: str | None = None      # Minyi only: where its cases are counted
    runs: list[dict] = field(default_factory=list)


def signed_url(base: str, path: str) -> str:
    timestamp, nonce = str(int(time.time())), secrets.token_hex(8)
    signature = hashlib.sha1("".join(sorted([TOKEN, timestamp, nonce])).encode()).hexdigest()
    return f"{base}{path}?signature={signature}&timestamp={timestamp}&nonce={nonce}&openid=obench"


class Wrk:
    def __init__(self, pool: int) -> None:
        self.binary = env.ensure_wrk()
        self.run_number = 0
        self.pool = pool

    def run(self, url: str, *, connections: int, seconds: int) -> dict:
        """One wrk run; returns its counts, latencies and the CPU that wrk itself used."""
        self.run_number += 1
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.monotonic()
        result = subprocess.run(
            [self.binary, "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(LUA), url,
             "--", str(self.run_number), str(self.pool)],
            capture_output=True, text=True, timeout=seconds + 60)
        wall = time.monotonic() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        line = next((ln for ln in result.stdout.splitlines() if ln.startswith("BENCH_JSON ")), None)
        if result.returncode != 0 or line is None:
            raise env.BenchError(f"wrk failed ({result.returncode}): {result.stderr.strip()[-400:]}")
        data = json.loads(line.removeprefix("BENCH_JSON "))
        wrk_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        data["wrk_cpu_share"] = round(wrk_cpu / wall, 3)   # of one core
        return data


def _summarise(run: dict) -> dict:
    seconds = run["duration_us"] / 1e6
    errors = run["errors"]
    return {
        "rps": round(run["ok"] / seconds, 1),
        "p50_ms": round(run["latency_us"]["p50"] / 1000, 2),
        "p99_ms": round(run["latency_us"]["p99"] / 1000, 2),
        "requests": run["requests"], "ok": run["ok"], "not_ok": run["not_ok"],
        "socket_errors": errors["connect"] + errors["read"] + errors["write"] + errors["timeout"],
        "wrk_cpu_share": run["wrk_cpu_share"], "server_cpu_share": run.get("server_cpu_share"),
        "machine_busy": run.get("machine_busy"),
    }


def _aggregate(rounds: list[dict]) -> dict:
    """Median over rounds (robust to one disturbed round on a shared machine), totals for counts."""
    return {
        "rps": round(statistics.median(r["rps"] for r in rounds), 1),
        "p50_ms": round(statistics.median(r["p50_ms"] for r in rounds), 2),
        "p99_ms": round(statistics.median(r["p99_ms"] for r in rounds), 2),
        "errors": sum(r["not_ok"] + r["socket_errors"] for r in rounds),
        "rounds": rounds,
    }


def minyi_available() -> str | None:
    """None when this branch serves the bot at /wechat; otherwise why the Minyi subject is pending."""
    try:
        import bot  # noqa: F401
        from server import create_app
    except ImportError as exc:
        return f"cannot import the app: {exc}"
    with tempfile.TemporaryDirectory() as scratch:
        app = create_app({"DATABASE_URL": f"sqlite:///{scratch}/probe.sqlite3", "MINYI_INSTANCE_DIR": scratch})
        rules = {rule.rule for rule in app.url_map.iter_rules()}
        app.extensions["minyi"].dispose()
    return None if "/wechat" in rules else "the bot's /wechat endpoint has not landed on this branch"


def prepare_minyi_database(url: str, pool: int = RESIDENT_POOL) -> None:
    """Migrate to head, load the demo's reference data (streets, units, categories, people) and
    register `pool` residents with a street and an official-account openid each."""
    from server.core import migrations as migrate
    from server.core.clock import SystemClock
    from server.core.runtime import build_runtime
    from server.core.settings import load_settings
    from server.demo import _load_reference
    from server.people.models import Person, WechatIdentity
    from server.people.rules import Role
    from server.places.models import Community

    migrate.upgrade(url, "heads")  # branches not yet re-chained by the lead may add several heads
    runtime = build_runtime(load_settings({"DATABASE_URL": url}))
    try:
        now = SystemClock().now()
        with runtime.uow().transaction() as session:
            _load_reference(session, now)
            communities = list(session.scalars(select(Community).order_by(Community.id)))
            session.execute(insert(Person), [
                dict(name=f"bench居民{i}", role=Role.resident, street_id=c.street_id, community_id=c.id,
                     is_active=True, created_at=now)
                for i, c in ((i, communities[i % len(communities)]) for i in range(pool))])
            ids = dict(session.execute(select(Person.name, Person.id).where(Person.name.like("bench居民%"))).all())
            session.execute(insert(WechatIdentity), [
                dict(app="mp", openid=f"obench{i:08d}", person_id=ids[f"bench居民{i}"], subscribed=True, created_at=now)
                for i in range(pool)])
    finally:
        runtime.dispose()


def count_effects(url: str) -> dict:
    """Cases and inbound rows, read in one transaction, once they stop growing: gunicorn's sync workers
    still answer the requests queued in the listen backlog after wrk has gone."""
    from server.cases.models import Case
    from server.chat.models import InboundMessage

    engine = create_engine(url)
    previous = None
    try:
        for _ in range(60):
            with engine.begin() as connection:
                counts = {"cases": connection.scalar(select(func.count()).select_from(Case)),
                          "inbound_messages": connection.scalar(select(func.count()).select_from(InboundMessage)),
                          "inbound_with_distinct_case": connection.scalar(
                              select(func.count(func.distinct(InboundMessage.case_id))))}
            if counts == previous:
                return counts
            previous = counts
            time.sleep(1)
    finally:
        engine.dispose()
    return previous


def _minyi_env(database_url: str, instance: Path) -> dict[str, str]:
    """Production settings, as the README's production section (a WeChat app configured, so no sandbox;
    Redis holds the per-openid limits)."""
    return {**os.environ, "DATABASE_URL": database_url, "MINYI_INSTANCE_DIR": str(instance),
            "MINYI_ENV": "production", "MINYI_SECRET_KEY": secrets.token_hex(32), "WECHAT_TOKEN": TOKEN,
            "WECHAT_APP_ID": "wxbench00000000001", "WECHAT_APP_SECRET": "bench-secret",
            "REDIS_URL": env.REDIS_URL, "MINYI_REDIS_PREFIX": f"minyi-bench-{os.getpid()}-{secrets.token_hex(3)}",
            "PYTHONPATH": str(env.ROOT)}


def run(sizes: Sizes, log) -> dict:
    """The whole webhook benchmark; returns the results section."""
    wrk = Wrk(sizes.resident_pool)
    pending = minyi_available()
    venv_bin = Path(os.environ.get("VIRTUAL_ENV") or env.ROOT / ".venv") / "bin"
    gunicorn = str(venv_bin / "gunicorn")
    peer_bin = env.ensure_peer_venv() / "bin"
    results: dict = {"server": f"gunicorn, {env.GUNICORN_WORKERS} sync workers",
                     "load_generator": f"wrk -t1 (separate process), a fresh MsgId per request from {sizes.resident_pool:,} registered residents in turn",
                     "seconds_per_run": sizes.seconds, "rounds": sizes.rounds}
    with ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="minyi-bench-")))
        subjects: list[Subject] = []

        def start(name, **kwargs) -> env.Server:
            server = env.start_gunicorn(name, log_dir=scratch, **kwargs)
            stack.callback(server.stop)
            return server

        base_env = {**os.environ, "WECHAT_TOKEN": TOKEN}
        subjects.append(Subject("limit", "limit (bare WSGI + wechatpy)", "/", start(
            "limit", gunicorn=gunicorn, app="bench.apps.limit_app:app", cwd=env.ROOT,
            env={**base_env, "PYTHONPATH": str(env.ROOT)})))
        peer_dir = scratch / "peer"
        peer_dir.mkdir()
        subjects.append(Subject("peer", "peer (WeRoBot 1.13.1 echo)", "/", start(
            "peer", gunicorn=str(peer_bin / "gunicorn"), app="peer_app:application", cwd=peer_dir,
            env={**base_env, "PYTHONPATH": str(env.BENCH_DIR / "apps")})))
        if pending is None:
            sqlite_url = f"sqlite:///{scratch / 'minyi.sqlite3'}"
            pg_url = stack.enter_context(env.pg_database("webhook"))
            for name, label, url in (("minyi_sqlite", "Minyi /wechat, SQLite", sqlite_url),
                                     ("minyi_pg", "Minyi /wechat, PostgreSQL", pg_url)):
                prepare_minyi_database(url, sizes.resident_pool)
                instance = scratch / f"instance-{name}"
                server = start(name, gunicorn=gunicorn, app="server:create_app()", cwd=env.ROOT,
                               env=_minyi_env(url, instance), ready_path="/healthz", ready_status=(200,))
                subjects.append(Subject(name, label, "/wechat", server, database_url=url))
            baseline = os.environ.get(BASELINE_VARIABLE)
            if baseline:
                subjects.extend(_baseline_subjects(baseline, sizes, scratch, stack, start, gunicorn, log))
                results["baseline"] = baseline
        else:
            results["minyi_pending"] = pending
            log(f"webhook: Minyi subject pending: {pending}")

        for subject in subjects:   # warm caches, imports and connection pools; counted for the case check
            subject.runs.append(wrk.run(signed_url(subject.server.url, subject.path), connections=16,
                                        seconds=sizes.warmup_seconds))
        table: dict = {s.name: {"label": s.label} for s in subjects}
        for connections in sizes.connections:
            rounds: dict[str, list[dict]] = {s.name: [] for s in subjects}
            for round_index in range(sizes.rounds):
                order = subjects[round_index % len(subjects):] + subjects[:round_index % len(subjects)]
                for subject in order:
                    raw = _timed_run(wrk, subject, connections, sizes.seconds)
                    subject.runs.append(raw)
                    rounds[subject.name].append(_summarise(raw))
                    log(f"webhook c={connections:<2} {subject.name:<13} {rounds[subject.name][-1]['rps']:>8} req/s "
                        f"p99 {rounds[subject.name][-1]['p99_ms']} ms")
            for subject in subjects:
                table[subject.name][str(connections)] = _aggregate(rounds[subject.name])
        for subject in subjects:
            table[subject.name]["worker_peak_rss_mib"] = subject.server.worker_peak_rss()
            if subject.database_url:
                table[subject.name]["exactly_once"] = _exactly_once(subject)
    results["subjects"] = table
    results["load_generator_check"] = _loadgen_check(table)
    results.update(_ratios(table))
    return results


BASELINE_VARIABLE = "MINYI_BENCH_BASELINE"


def _baseline_subjects(ref: str, sizes: Sizes, scratch: Path, stack: ExitStack, start, gunicorn: str,
                       log) -> list[Subject]:
    """Minyi as of git `ref` (`python -m bench --baseline REF`), on both databases, in the same rounds as
    the rest: a before/after measured side by side. It runs from a temporary git worktree with this
    venv's packages, so a ref needing other dependencies must have them installed here."""
    tree = scratch / "baseline"
    subprocess.run(["git", "-C", str(env.ROOT), "worktree", "add", "--detach", str(tree), ref], check=True,
                   capture_output=True)
    stack.callback(subprocess.run, ["git", "-C", str(env.ROOT), "worktree", "remove", "--force", str(tree)],
                   check=False, capture_output=True)
    commit = subprocess.run(["git", "-C", str(tree), "rev-parse", "--short", "HEAD"], check=True,
                            capture_output=True, text=True).stdout.strip()
    subjects = []
    for backend, label in (("sqlite", "SQLite"), ("pg", "PostgreSQL")):
        url = (f"sqlite:///{scratch / 'baseline.sqlite3'}" if backend == "sqlite"
               else stack.enter_context(env.pg_database("baseline")))
        # The baseline's own code migrates and seeds its database (its schema may differ from ours).
        subprocess.run([sys.executable, "-c", "import sys; from bench.webhook import prepare_minyi_database; "
                        "prepare_minyi_database(sys.argv[1], int(sys.argv[2]))", url, str(sizes.resident_pool)],
                       cwd=tree, env={**os.environ, "PYTHONPATH": str(tree)}, check=True)
        name = f"baseline_{backend}"
        server = start(name, gunicorn=gunicorn, app="server:create_app()", cwd=tree,
                       env={**_minyi_env(url, scratch / f"instance-{name}"), "PYTHONPATH": str(tree)},
                       ready_path="/healthz", ready_status=(200,))
        subjects.append(Subject(name, f"Minyi @{commit} /wechat, {label}", "/wechat", server, database_url=url))
        log(f"webhook: baseline {ref} ({commit}) on {label} ready")
    return subjects


def _timed_run(wrk: Wrk, subject: Subject, connections: int, seconds: int) -> dict:
    cpu_before = subject.server.worker_cpu()
    busy_before, total_before = env.machine_busy()
    started = time.monotonic()
    raw = wrk.run(signed_url(subject.server.url, subject.path), connections=connections, seconds=seconds)
    wall = time.monotonic() - started
    busy_after, total_after = env.machine_busy()
    raw["server_cpu_share"] = round((subject.server.worker_cpu() - cpu_before) / wall, 3)
    raw["machine_busy"] = round((busy_after - busy_before) / max(1, total_after - total_before), 3)
    return raw


def _exactly_once(subject: Subject) -> dict:
    """Every 200 made exactly one case; requests cut off by wrk's stop may or may not have made one."""
    effects = count_effects(subject.database_url)
    ok = sum(r["ok"] for r in subject.runs)
    answered = sum(r["ok"] + r["not_ok"] for r in subject.runs)
    sent = sum(r["sent"] for r in subject.runs)
    unanswered = sent - answered   # in flight when wrk stopped, or lost to a socket error
    passed = (ok <= effects["cases"] <= ok + unanswered
              and effects["inbound_messages"] == effects["cases"] == effects["inbound_with_distinct_case"])
    return {"ok_responses": ok, "sent": sent, "unanswered": unanswered, **effects, "passed": passed}


def _loadgen_check(table: dict) -> dict:
    """wrk's own CPU per request tells how many requests/s one wrk thread could drive at most."""
    best = {"wrk_cpu_share": 0.0}
    for name, row in table.items():
        for key, agg in row.items():
            if isinstance(agg, dict) and "rounds" in agg:
                for r in agg["rounds"]:
                    if r["rps"] > best.get("rps", 0):
                        best = {**r, "subject": name, "connections": int(key)}
    if "rps" not in best:
        return {}
    share = max(best["wrk_cpu_share"], 1e-3)
    return {"fastest_run": {"subject": best["subject"], "connections": best["connections"], "rps": best["rps"]},
            "wrk_cpu_share_of_one_core": best["wrk_cpu_share"],
            "machine_busy_share": best["machine_busy"],
            "server_workers_cpu_share": best["server_cpu_share"],
            "wrk_capacity_rps_estimate": round(best["rps"] / share),
            "verdict": ("not the bottleneck" if best["wrk_cpu_share"] < 0.5 else "may limit the fastest subject")}


def _ratios(table: dict) -> dict:
    out: dict = {}
    limit = table.get("limit", {}).get("16", {}).get("rps")
    peer = table.get("peer", {}).get("16", {}).get("rps")
    for name in ("minyi_sqlite", "minyi_pg"):
        rps = table.get(name, {}).get("16", {}).get("rps")
        if rps is None:
            continue
        suffix = name.removeprefix("minyi_")
        out[f"ratio_to_limit_{suffix}"] = round(rps / limit, 3) if limit else None
        out[f"ratio_to_peer_{suffix}"] = round(rps / peer, 2) if peer else None
        out[f"p99_ms_16_{suffix}"] = table[name]["16"]["p99_ms"]
    return out
