"""The district's audit log at scale (PostgreSQL): `python -m bench.audit_log [--cases N] [--repeats R]`.

A year of cases (bench.seed), then their staff steps as case events — accepted by a deputy, routed by
the street office, resolved by the unit — made inside PostgreSQL (INSERT … SELECT), about three per
case. Timed in-process, as a web worker calls them: the audit log's case source (newest 30 staff steps,
with its bounded count) unfiltered, for one person, for one action, and for one week; p50/p95 in ms.
"""
from __future__ import annotations

import argparse
import json
import statistics
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine, select, text

from . import env, seed

EVENTS = """
INSERT INTO case_events (case_id, sequence, action, from_state, to_state, actor_id, actor_role, note, data, created_at)
SELECT c.id, 2, 'accept', 'submitted', 'accepted', c.accepted_by_id, 'deputy', NULL, '{}'::jsonb, c.accepted_at
  FROM cases c WHERE c.accepted_at IS NOT NULL AND c.accepted_by_id IS NOT NULL
UNION ALL
SELECT c.id, 3, 'route', 'accepted', 'routed', o.id, 'street_office', NULL, '{}'::jsonb, c.routed_at
  FROM cases c JOIN people o ON o.street_id = c.street_id AND o.role = 'street_office' WHERE c.routed_at IS NOT NULL
UNION ALL
SELECT c.id, 4, 'resolve', 'routed', 'resolved', u.id, 'handling_unit', c.feedback, '{}'::jsonb, c.resolved_at
  FROM cases c JOIN LATERAL (SELECT id FROM people WHERE handling_unit_id = c.handling_unit_id
                             AND role = 'handling_unit' ORDER BY id LIMIT 1) u ON true
 WHERE c.resolved_at IS NOT NULL
"""


def _time(call, repeats: int) -> dict:
    call()  # warm the plan and the cache once
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return {"p50_ms": round(statistics.median(samples), 2),
            "p95_ms": round(samples[max(0, int(len(samples) * 0.95) - 1)], 2)}


def run(cases: int, repeats: int) -> dict:
    from server.cases import staff_log
    from server.core.runtime import build_runtime
    from server.core.settings import load_settings
    from server.people.models import Person

    now = datetime.now(UTC).replace(microsecond=0)
    with env.pg_database("audit") as url:
        seed.prepare(url, residents=max(1000, cases // 10))
        engine = create_engine(url)
        started = time.monotonic()
        seed.add_year_of_cases(engine, count=cases, now=now)
        with engine.begin() as connection:
            connection.execute(text(EVENTS))
            events = connection.scalar(text("SELECT count(*) FROM case_events"))
        seed.vacuum_analyze(engine)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE case_events"))
        seeded = round(time.monotonic() - started, 1)
        runtime = build_runtime(load_settings({"DATABASE_URL": url}), engine=engine)
        uow = runtime.uow()
        with uow.transaction() as session:
            office = session.scalar(select(Person.id).where(Person.role == "street_office").order_by(Person.id))
        week = now - timedelta(days=30)
        queries = {
            "newest 30, no filter": lambda: staff_log.staff_actions(uow, limit=30),
            "one person (a street office)": lambda: staff_log.staff_actions(uow, actor_id=office, limit=30),
            "one action (route)": lambda: staff_log.staff_actions(uow, action="route", limit=30),
            "one week, a month ago": lambda: staff_log.staff_actions(uow, since=week, until=week + timedelta(days=7),
                                                                     limit=30),
        }
        results = {name: _time(call, repeats) for name, call in queries.items()}
        engine.dispose()
    return {"cases": cases, "case_events": events, "seed_seconds": seeded, "repeats": repeats,
            "measured_at": now.isoformat(), "machine": env.machine(), "queries": results}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.audit_log", description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    print(json.dumps(run(args.cases, args.repeats), ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
