"""Benchmark: N pushes through K concurrent dispatchers to the sandbox; checks none is sent twice.

    .venv/bin/python bench/outbox_dispatch.py --database-url postgresql+psycopg://postgres@127.0.0.1/x \
        --pushes 300 --dispatchers 3 [--redis-url redis://127.0.0.1:6379/0]

Creates its tables in the given (scratch) database, serves the app with its sandbox on a free port,
and prints one JSON line: elapsed seconds, pushes per second, sandbox call counts, duplicates.
"""
from __future__ import annotations

import argparse
import json
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime

from werkzeug.serving import make_server

from server import create_app
from server.core.db import Base
from server.core.runtime import build_runtime
from server.core.settings import load_settings
from server.people.models import Person, WechatIdentity
from server.people.rules import Role
from server.pushes.dispatch import dispatch_due
from server.pushes.notifications import enqueue
from server.sandbox import sandbox_state


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--redis-url", default="")
    parser.add_argument("--pushes", type=int, default=300)
    parser.add_argument("--dispatchers", type=int, default=3)
    parser.add_argument("--limit", type=int, default=20)
    args = parser.parse_args()

    server = make_server("127.0.0.1", 0, app=None, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    settings = load_settings({"DATABASE_URL": args.database_url, "MINYI_PUBLIC_URL": url,
                              "WECHAT_API_BASE": f"{url}/sandbox/api", "REDIS_URL": args.redis_url,
                              "MINYI_REDIS_PREFIX": f"minyi-bench-{uuid.uuid4().hex[:8]}"})
    runtime = build_runtime(settings)
    Base.metadata.create_all(runtime.engine)
    server.app = create_app(settings, runtime=runtime)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    now = datetime.now(UTC)
    with runtime.uow().transaction() as session:
        person = Person(name="基准代表", role=Role.deputy, is_active=True, created_at=now)
        session.add(person)
        session.flush()
        session.add(WechatIdentity(app="mp", openid=f"oBench{uuid.uuid4().hex[:8]}", person_id=person.id,
                                   subscribed=True, created_at=now))
        for n in range(args.pushes):
            enqueue(session, kind="case_reminder", recipient_id=person.id, now=now,
                    payload={"tracking_number": f"MY-BENCH-{n}", "hours_left": 24, "threshold": 48},
                    dedupe_key=f"bench:{uuid.uuid4().hex}")

    runtimes = [build_runtime(settings, engine=runtime.engine) for _ in range(args.dispatchers)]
    totals: Counter[str] = Counter()
    lock = threading.Lock()

    def dispatcher(worker) -> None:
        while True:
            summary = dispatch_due(worker.uow(), worker.wechat, limit=args.limit)
            with lock:
                totals.update(summary)
            if not summary["claimed"]:
                return

    started = time.perf_counter()
    threads = [threading.Thread(target=dispatcher, args=(worker,)) for worker in runtimes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started

    calls = sandbox_state(server.app).list_calls()
    sends = Counter(c["body"]["data"]["content"]["value"] for c in calls
                    if c["path"] == "cgi-bin/message/template/send")
    print(json.dumps({"backend": runtime.engine.dialect.name, "pushes": args.pushes,
                      "dispatchers": args.dispatchers, "elapsed_s": round(elapsed, 2),
                      "pushes_per_s": round(args.pushes / elapsed, 1), "summary": dict(totals),
                      "template_calls": sum(sends.values()), "duplicates": sum(v - 1 for v in sends.values()),
                      "token_fetches": sum(1 for c in calls if c["path"] == "cgi-bin/stable_token")}))
    server.shutdown()
    if runtime.redis is not None:  # leave no keys behind in a shared Redis
        keys = list(runtime.redis.scan_iter(f"{settings.redis_prefix}*"))
        if keys:
            runtime.redis.delete(*keys)


if __name__ == "__main__":
    main()
