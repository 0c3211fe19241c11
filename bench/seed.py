"""Bulk cases for the PostgreSQL benchmarks, generated inside PostgreSQL (INSERT … SELECT generate_series).

A million rows go in within a minute or two, with no Python per row: faster than COPY from the client.
Rows are deterministic (hash-derived, no random()) so runs compare. Every case references real demo
streets, communities, categories, units and people; no case events are made (the sweep and the
statistics read the cases table; the engine's per-case event lookup is indexed either way).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, Engine, select, text

from server.core.clock import SystemClock
from server.core.runtime import build_runtime
from server.demo import _load_reference
from server.demo.people import FEEDBACK, PROBLEMS
from server.places.models import Community, RoutingRule

REMINDER_HOURS = (24, 48, 66)


DEPUTIES_PER_STREET = 20


def prepare(url: str, *, residents: int = 100_000) -> None:
    """Migrate to all heads and load the demo's reference data, then the people a district has:
    `residents` residents and 20 deputies per street (bench-made, so a year of cases spreads over
    them as it would), and the lookup tables the generators join (`bench_places`, `bench_deputies`)."""
    from server.core import migrations as migrate
    from server.core.settings import load_settings

    migrate.upgrade(url, "heads")  # branches not yet re-chained by the lead may add several heads
    runtime = build_runtime(load_settings({"DATABASE_URL": url}))
    try:
        with runtime.uow().transaction() as session:
            _load_reference(session, SystemClock().now())
            communities = list(session.scalars(select(Community).order_by(Community.id)))
            rules = {(r.category_id, r.street_id): r.handling_unit_id for r in session.scalars(select(RoutingRule))}
        places = [(community.street_id, community.id, category_id, unit_id)
                  for community in communities
                  for (category_id, street_id), unit_id in sorted(rules.items()) if street_id == community.street_id]
        with runtime.engine.begin() as connection:
            connection.execute(text("CREATE TABLE bench_places (k int PRIMARY KEY, street_id int, community_id int,"
                                    " category_id int, unit_id int)"))
            connection.execute(text("INSERT INTO bench_places VALUES (:k, :s, :c, :cat, :u)"),
                               [dict(k=k, s=s, c=c, cat=cat, u=u) for k, (s, c, cat, u) in enumerate(places)])
            connection.execute(text("""
                INSERT INTO people (name, role, street_id, community_id, is_active, created_at)
                SELECT '居民' || i, 'resident', c.street_id, c.id, true, now()
                FROM generate_series(0, :n - 1) AS i
                JOIN (SELECT row_number() OVER (ORDER BY id) - 1 AS k, id, street_id FROM communities) c
                  ON c.k = i % (SELECT count(*) FROM communities)
            """), dict(n=residents))
            connection.execute(text("""
                CREATE TABLE bench_deputies AS
                SELECT s.id AS street_id, j, NULL::int AS person_id FROM streets s, generate_series(0, :d - 1) AS j
            """), dict(d=DEPUTIES_PER_STREET))
            connection.execute(text("""
                WITH made AS (
                  INSERT INTO people (name, role, street_id, is_active, created_at)
                  SELECT '代表' || street_id || '-' || j, 'deputy', street_id, true, now() FROM bench_deputies
                  RETURNING id, name)
                UPDATE bench_deputies b SET person_id = made.id FROM made WHERE made.name = '代表' || b.street_id || '-' || b.j
            """))
            connection.execute(text("ALTER TABLE bench_deputies ADD PRIMARY KEY (street_id, j)"))
    finally:
        runtime.dispose()


def _people(connection: Connection) -> dict[str, int]:
    """The bench residents' id range (one INSERT made them, so the ids are contiguous)."""
    low, high, count = connection.execute(text(
        "SELECT min(id), max(id), count(*) FROM people WHERE name LIKE '居民%' AND role = 'resident'")).one()
    if high - low + 1 != count:
        raise RuntimeError("bench residents' ids are not contiguous")
    return {"r0": low, "rn": count, "dn": DEPUTIES_PER_STREET}


def _skip_fk_triggers(connection: Connection) -> None:
    """The generated rows reference only existing rows by construction; checking seven foreign keys
    per row would triple the load time. Needs a superuser (the local benchmark database's owner)."""
    connection.execute(text("SET LOCAL session_replication_role = replica"))


def _fill(sql: str, connection: Connection, queue_expression: str) -> str:
    has_queue = connection.scalar(text(
        "SELECT count(*) FROM information_schema.columns WHERE table_name = 'cases' AND column_name = 'next_check_at'"))
    return (sql.replace("{places}", str(_places(connection)))
            .replace("{extra_columns}", ", next_check_at" if has_queue else "")
            .replace("{extra_values}", ", " + queue_expression if has_queue else ""))


def _places(connection: Connection) -> int:
    return connection.scalar(text("SELECT count(*) FROM bench_places"))


def _texts(values: list[str]) -> str:
    return "ARRAY[" + ",".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


# Columns every generator fills; anything a later migration adds must be nullable or have a default.
_COLUMNS = ("tracking_number, state, holder, description, reporter_id, contact_consent, street_id, community_id,"
            " category_id, handling_unit_id, accepted_by_id, source, submitted_at, deadline_at, forwarded_at,"
            " accepted_at, routed_at, resolved_at, closed_at, escalated_at, overdue, feedback, satisfaction,"
            " reopen_count, version")


def add_open_cases(engine: Engine, *, first: int, count: int, due: int, now: datetime) -> dict:
    """`count` open cases numbered from `first`, `due` of them due for the deadline sweep at `now`.

    Not due (the rest): submitted under 11 h ago and not yet accepted, or accepted/routed under 23 h ago,
    so no reminder threshold (24/48/66 h), no 12-h auto-forward and no 72-h deadline has passed.
    Due, in four equal kinds, each crossed its threshold under 50 minutes ago with the earlier
    reminders already recorded: 24-h reminder (routed), 48-h (accepted), 66-h (routed), 72-h overdue
    (routed, to be escalated).
    """
    every = max(1, count // due) if due else count + 1
    sql = f"""
    INSERT INTO cases ({_COLUMNS}{{extra_columns}})
    SELECT 'BX-' || lpad(i::text, 10, '0'), st, holder, ({_texts(PROBLEMS)})[1 + i % {len(PROBLEMS)}],
           (CAST(:r0 AS int) + (i::bigint * 7919) % :rn)::int, i % 3 = 0, p.street_id, p.community_id, p.category_id,
           CASE WHEN st = 'routed' THEN p.unit_id END, CASE WHEN st <> 'submitted' THEN d.person_id END,
           'bench', sub, sub + interval '72 hours', NULL,
           CASE WHEN st <> 'submitted' THEN sub + interval '20 minutes' END,
           CASE WHEN st = 'routed' THEN sub + interval '40 minutes' END,
           NULL, NULL, NULL, false, NULL, NULL, 0, 1
           {{extra_values}}
    FROM (
      SELECT i, k, due_kind,
             CASE WHEN due_kind IS NULL THEN (ARRAY['submitted','accepted','routed'])[1 + i % 3]
                  WHEN due_kind = 1 THEN 'accepted' ELSE 'routed' END AS st,
             CASE WHEN due_kind IS NULL THEN (ARRAY['deputies','street_office','handling_unit'])[1 + i % 3]
                  WHEN due_kind = 1 THEN 'street_office' ELSE 'handling_unit' END AS holder,
             CAST(:now AS timestamp) - CASE
               WHEN due_kind IS NULL AND i % 3 = 0 THEN (h % 39600) * interval '1 second'
               WHEN due_kind IS NULL THEN (h % 82800) * interval '1 second'
               ELSE (ARRAY[24, 48, 66, 72])[1 + due_kind] * interval '1 hour' + (h % 3000) * interval '1 second'
             END AS sub
      FROM (
        SELECT i, i % {{places}} AS k, (i::bigint * 2654435761) % 4294967296 AS h,
               CASE WHEN (i - :first) % :every = :every - 1 AND (i - :first) / :every < :due
                    THEN ((i - :first) / :every) % 4 END AS due_kind
        FROM generate_series(CAST(:first AS bigint), CAST(:first AS bigint) + :count - 1) AS i
      ) g
    ) s JOIN bench_places p ON p.k = s.k
      JOIN bench_deputies d ON d.street_id = p.street_id AND d.j = (s.i * 31) % :dn
    """
    with engine.begin() as connection:
        _skip_fk_triggers(connection)
        before = connection.scalar(text("SELECT coalesce(max(id), 0) FROM cases"))
        # The scheduler's work queue (when that migration is in): when the sweep must look next,
        # as the engine would have planned it - the 12-h auto-forward, else the next threshold.
        queue = ("sub + CASE WHEN due_kind IS NOT NULL THEN (ARRAY[24, 48, 66, 72])[1 + due_kind] * interval '1 hour'"
                 " WHEN st = 'submitted' THEN interval '12 hours' ELSE interval '24 hours' END")
        connection.execute(text(_fill(sql, connection, queue)),
                           dict(first=first, count=count, due=due, every=every, now=_naive(now), **_people(connection)))
        connection.execute(text("""
            INSERT INTO case_reminders (case_id, threshold_hours, created_at)
            SELECT c.id, h, c.submitted_at + h * interval '1 hour'
            FROM cases c CROSS JOIN unnest(CAST(:hours AS int[])) AS h
            WHERE c.id > :before AND c.submitted_at + h * interval '1 hour' <= CAST(:now AS timestamp) - interval '1 hour'
        """), dict(before=before, hours=list(REMINDER_HOURS), now=_naive(now)))
    return {"added": count, "due": min(due, count)}


def add_year_of_cases(engine: Engine, *, count: int, now: datetime, days: int = 365) -> None:
    """`count` cases submitted evenly over the year (or `days`) before `now`, each as far along its life as
    time allows.

    Per case (hash-derived): 4 % rejected, 1 % merged, the rest accepted within 12 h, routed 3 h later,
    resolved 4–100 h after routing (about 5 % past 72 h: overdue and escalated), rated 1–30 h later
    (90 % satisfied, 5 % basically satisfied, 3 % dissatisfied and reopened once, 2 % auto-closed
    after 7 days). Whatever lies after `now` has not happened yet, so recent cases are still open.
    """
    sql = f"""
    INSERT INTO cases ({_COLUMNS}{{extra_columns}})
    SELECT 'BY-' || lpad(i::text, 10, '0'),
           CASE WHEN kind = 'rejected' THEN 'rejected' WHEN kind = 'merged' THEN 'merged'
                WHEN closed <= n THEN 'closed' WHEN resolved <= n THEN 'resolved'
                WHEN routed <= n THEN (CASE WHEN reopened THEN 'reopened' ELSE 'routed' END)
                WHEN accepted <= n THEN 'accepted' ELSE 'submitted' END,
           CASE WHEN kind <> 'normal' OR closed <= n THEN 'nobody' WHEN resolved <= n THEN 'reporter'
                WHEN routed <= n THEN 'handling_unit' WHEN accepted <= n THEN 'street_office' ELSE 'deputies' END,
           ({_texts(PROBLEMS)})[1 + i % {len(PROBLEMS)}], (CAST(:r0 AS int) + (i::bigint * 7919) % :rn)::int, i % 3 = 0, p.street_id,
           p.community_id, p.category_id,
           CASE WHEN kind = 'normal' AND routed <= n THEN p.unit_id END,
           CASE WHEN accepted <= n THEN d.person_id END,
           'bench', sub, sub + interval '72 hours', NULL,
           CASE WHEN accepted <= n THEN accepted END, CASE WHEN kind = 'normal' AND routed <= n THEN routed END,
           CASE WHEN kind = 'normal' AND resolved <= n THEN resolved END,
           CASE WHEN kind <> 'normal' THEN LEAST(accepted, n) WHEN closed <= n THEN closed END,
           CASE WHEN late AND sub + interval '72 hours' <= n THEN sub + interval '72 hours' END,
           late AND sub + interval '72 hours' <= n,
           CASE WHEN kind = 'normal' AND resolved <= n THEN ({_texts(FEEDBACK)})[1 + i % {len(FEEDBACK)}] END,
           CASE WHEN kind = 'normal' AND closed <= n THEN
                (CASE WHEN r < 900 THEN 'satisfied' WHEN r < 950 THEN 'basically_satisfied'
                      WHEN r < 980 THEN 'satisfied' END) END,
           CASE WHEN reopened THEN 1 ELSE 0 END, 1
           {{extra_values}}
    FROM (
      SELECT i, k, n, r, sub, late, reopened,
             CASE WHEN h % 100 < 4 THEN 'rejected' WHEN h % 100 < 5 THEN 'merged' ELSE 'normal' END AS kind,
             accepted, routed, resolved,
             resolved + CASE WHEN r >= 980 THEN interval '7 days' ELSE ((h / 7) % 29 + 1) * interval '1 hour' END
               + CASE WHEN reopened THEN interval '48 hours' ELSE interval '0' END AS closed
      FROM (
        SELECT i, k, n, h, r, sub, late, reopened, accepted, routed,
               routed + CASE WHEN late THEN (80 + (h / 11) % 20) * interval '1 hour'
                             ELSE (4 + (h / 11) % 60) * interval '1 hour' END AS resolved
        FROM (
          SELECT i, k, n, h, r, sub, (h / 13) % 100 < 5 AND h % 100 >= 5 AS late, r >= 950 AND r < 980 AS reopened,
                 sub + ((h / 3) % 720) * interval '1 minute' AS accepted,
                 sub + ((h / 3) % 720) * interval '1 minute' + interval '3 hours' AS routed
          FROM (
            SELECT i, i % {{places}} AS k, CAST(:now AS timestamp) AS n,
                   (i::bigint * 2654435761) % 4294967296 AS h, (i::bigint * 40503) % 1000 AS r,
                   CAST(:now AS timestamp) - (i::float8 / :count) * :days * interval '1 day' AS sub
            FROM generate_series(1, :count) AS i
          ) a
        ) b
      ) c
    ) s JOIN bench_places p ON p.k = s.k
      JOIN bench_deputies d ON d.street_id = p.street_id AND d.j = (s.i * 31) % :dn
    """
    with engine.begin() as connection:
        _skip_fk_triggers(connection)
        # The sweep's queue: nothing for finished cases, auto-close for resolved ones, the deadline for
        # open ones (approximate: these rows are read by the statistics, never swept).
        queue = ("CASE WHEN kind <> 'normal' OR closed <= n THEN NULL WHEN resolved <= n THEN resolved + interval '7 days'"
                 " WHEN sub + interval '72 hours' > n THEN sub + interval '72 hours' END")
        connection.execute(text(_fill(sql, connection, queue)), dict(count=count, now=_naive(now), days=days,
                                                                    **_people(connection)))


class IndexesDeferred:
    """Drop the cases table's secondary indexes for a bulk load and build them again afterwards
    (a sorted build beats a million index insertions); the primary key stays."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.definitions: list[tuple[str, str, str | None]] = []

    def __enter__(self) -> IndexesDeferred:
        with self.engine.begin() as connection:
            rows = connection.execute(text(
                "SELECT i.indexname, i.indexdef, c.conname FROM pg_indexes i"
                " LEFT JOIN pg_constraint c ON c.conname = i.indexname AND c.contype = 'u'"
                " WHERE i.tablename = 'cases' AND i.indexname NOT LIKE 'pk_%'")).all()
            self.definitions = [tuple(row) for row in rows]
            for name, _definition, constraint in self.definitions:
                if constraint:
                    connection.execute(text(f'ALTER TABLE cases DROP CONSTRAINT "{constraint}"'))
                else:
                    connection.execute(text(f'DROP INDEX "{name}"'))
        return self

    def __exit__(self, *exc) -> None:
        with self.engine.begin() as connection:
            connection.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
            for name, definition, constraint in self.definitions:
                connection.execute(text(definition))
                if constraint:
                    connection.execute(text(f'ALTER TABLE cases ADD CONSTRAINT "{constraint}" UNIQUE USING INDEX "{name}"'))


def vacuum_analyze(engine: Engine) -> None:
    """What autovacuum would have done by the time a real table held this many rows."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE cases"))
        connection.execute(text("VACUUM ANALYZE case_reminders"))


def _naive(moment: datetime) -> datetime:
    from datetime import UTC

    return moment.astimezone(UTC).replace(tzinfo=None)
