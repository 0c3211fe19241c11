"""Fixtures: database tests run on a real SQLite file, and those marked `both_databases` on a real
PostgreSQL database as well (`--all-databases` runs every one of them on both).

Where a test runs is written on it: `both_databases("why")` where the dialect matters (locking,
ON CONFLICT, SKIP LOCKED, migrations, the chat path, concurrency, the outbox, the deadline sweep),
`postgresql_only` for a PostgreSQL feature, and nothing for a test that runs on SQLite alone.

Each database is made once per session (once per xdist worker) and dropped after it, so parallel
runs never collide; after every test that used one, its tables are emptied in one batch. Under
CI=true an unreachable PostgreSQL fails the run instead of skipping.
"""
from __future__ import annotations

import os
import sqlite3
from collections import defaultdict

import pytest
from sqlalchemy import text

import server.tables  # noqa: F401  (every table on Base.metadata before create_all)
from server.core import pg_scratch
from server.core.clock import ManualClock
from server.core.db import Base, make_engine
from server.core.runtime import build_runtime
from server.core.settings import load_settings

REDIS_URL = "redis://127.0.0.1:6379/0"  # the machine's Redis (scripts/ensure-services starts it)
PG_ADMIN_URL = os.environ.get("MINYI_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BACKENDS = ("sqlite", "postgresql")
DATABASE_PROPERTY = "minyi_database"  # (backend, "Kind version|where") on each database test's report


def _pg_reachable() -> str | None:
    return pg_scratch.unreachable_reason(PG_ADMIN_URL)


def create_pg_database() -> str:
    """A fresh, uniquely named PostgreSQL database; returns its URL."""
    return pg_scratch.create_database(PG_ADMIN_URL, "minyi_test")


def drop_pg_database(url: str) -> None:
    pg_scratch.drop_database(PG_ADMIN_URL, url)


def pytest_addoption(parser):
    parser.addoption("--all-databases", action="store_true", default=False,
                     help="run every database test on SQLite and PostgreSQL, not only those marked both_databases")


def backends_for(node, config) -> list[str]:
    """The databases a test runs on, read from its markers."""
    if node.get_closest_marker("postgresql_only"):
        return ["postgresql"]
    if node.get_closest_marker("both_databases") or config.getoption("all_databases"):
        return list(BACKENDS)
    return ["sqlite"]


def pytest_generate_tests(metafunc):
    """A test that touches a database gets one `[sqlite]` and/or `[postgresql]` variant per database."""
    if "backend" in metafunc.fixturenames:
        metafunc.parametrize("backend", backends_for(metafunc.definition, metafunc.config), indirect=True,
                             scope="session")


@pytest.fixture(scope="session")
def backend(request) -> str:
    if request.param == "postgresql":
        reason = _pg_reachable()
        if reason:
            if os.environ.get("CI") == "true":
                pytest.fail(f"PostgreSQL is required under CI=true but unreachable: {reason}")
            pytest.skip(f"PostgreSQL unreachable: {reason}")
    return request.param


class Databases:
    """This session's databases, one per backend, each made (tables included) on first use.

    They outlive the `backend` parameter's switches, so tests may run in any order (xdist) without
    a database being made twice; under xdist every worker has its own pair.
    """

    def __init__(self, tmp_path_factory) -> None:
        self.tmp_path_factory = tmp_path_factory
        self.urls: dict[str, str] = {}
        self.engines: dict = {}
        self.labels: dict[str, str] = {}

    def url(self, backend: str) -> str:
        if backend not in self.urls:
            if backend == "sqlite":
                path = self.tmp_path_factory.mktemp("sqlite") / "minyi-test.sqlite3"
                self.urls[backend] = f"sqlite:///{path}"
                self.labels[backend] = f"SQLite {sqlite3.sqlite_version}|{path}"
            else:
                self.urls[backend] = create_pg_database()
        return self.urls[backend]

    def engine(self, backend: str):
        if backend not in self.engines:
            engine = make_engine(self.url(backend))
            Base.metadata.create_all(engine)
            if backend == "postgresql":
                with engine.connect() as connection:
                    version = connection.scalar(text("SHOW server_version")).split()[0]
                self.labels[backend] = f"PostgreSQL {version}|database {engine.url.database}"
            self.engines[backend] = engine
        return self.engines[backend]

    def close(self) -> None:
        for engine in self.engines.values():
            engine.dispose()
        if "postgresql" in self.urls:
            drop_pg_database(self.urls["postgresql"])


@pytest.fixture(scope="session")
def _databases(tmp_path_factory):
    databases = Databases(tmp_path_factory)
    yield databases
    databases.close()


@pytest.fixture(scope="session")
def database_url(backend, _databases) -> str:
    return _databases.url(backend)


@pytest.fixture(scope="session")
def engine(backend, _databases):
    return _databases.engine(backend)


_EMPTY_ALL: dict = {}  # engine -> the one batch of statements that empties it


def empty_tables(engine) -> None:
    """Delete every row of every table and restart the id sequences: one round trip.

    DELETE, not TRUNCATE: on PostgreSQL a TRUNCATE of all tables costs most of a second (new files
    for every table), a DELETE of the few rows a test wrote a few milliseconds.
    """
    if engine not in _EMPTY_ALL:
        tables = [table.name for table in reversed(Base.metadata.sorted_tables)]
        statements = [f"DELETE FROM {table}" for table in tables]
        if engine.dialect.name == "postgresql":
            with engine.connect() as connection:
                sequences = list(connection.scalars(text(
                    "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) FROM pg_class c"
                    " JOIN pg_namespace n ON n.oid = c.relnamespace"
                    " WHERE c.relkind = 'S' AND n.nspname = current_schema()")))
            if sequences:
                statements.append("SELECT " + ", ".join(f"setval('{name}', 1, false)" for name in sequences))
            _EMPTY_ALL[engine] = ["; ".join(statements)]
        else:
            _EMPTY_ALL[engine] = statements  # sqlite3 runs one statement per call
    with engine.begin() as connection:
        for statement in _EMPTY_ALL[engine]:
            connection.exec_driver_sql(statement)


@pytest.fixture(autouse=True)
def _clean_tables(request):
    """Empty every table after a test that used the database, so no state leaks between tests.

    Tests commit for real (services open their own transactions; live servers, threads and
    processes write through their own connections), so the rows are deleted, not rolled back.
    """
    engine = None
    if "backend" in request.fixturenames:
        backend, databases = request.getfixturevalue("backend"), request.getfixturevalue("_databases")
        if "engine" in request.fixturenames:
            engine = request.getfixturevalue("engine")
        request.node.user_properties.append((DATABASE_PROPERTY, (backend, databases.labels.get(backend))))
    yield
    if engine is not None:
        empty_tables(engine)


def pytest_terminal_summary(terminalreporter):
    """Which database each half ran on: "SQLite 3.x: N tests on /tmp/…", "PostgreSQL 15.x: M tests on …"."""
    tests: dict[str, set[str]] = defaultdict(set)
    labels: dict[str, set[str]] = defaultdict(set)
    for reports in terminalreporter.stats.values():
        for report in reports:
            for name, value in getattr(report, "user_properties", ()):
                if name == DATABASE_PROPERTY:
                    backend, label = value
                    tests[backend].add(report.nodeid)
                    if label:
                        labels[backend].add(label)
    if not tests:
        return
    terminalreporter.section("databases")
    for backend in BACKENDS:
        if tests.get(backend):
            kinds = sorted({label.split("|")[0] for label in labels[backend]}) or [backend]
            places = sorted(label.split("|", 1)[1] for label in labels[backend]) or ["its own databases"]
            terminalreporter.write_line(f"{', '.join(kinds)}: {len(tests[backend])} tests on {'; '.join(places)}")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def settings(database_url, tmp_path):
    return load_settings({"DATABASE_URL": database_url, "MINYI_INSTANCE_DIR": str(tmp_path / "instance"),
                          "MINYI_ENV": "testing"})


@pytest.fixture
def runtime(settings, engine, clock):
    return build_runtime(settings, clock=clock, engine=engine)


@pytest.fixture
def uow(runtime):
    return runtime.uow()


@pytest.fixture
def world(runtime):
    """Shangcheng's reference data (streets, units, categories, people) without past cases."""
    from tests.factories import World

    return World.load(runtime)


@pytest.fixture
def app(runtime):
    from server import create_app

    app = create_app(runtime.settings, runtime=runtime)
    return app


@pytest.fixture
def client(app):
    return app.test_client()


class LiveServer:
    """The whole app (web, bot, sandbox) on a real port in a thread; WeChat calls go to its own sandbox."""

    def __init__(self, server, app, runtime) -> None:
        self.server, self.app, self.runtime = server, app, runtime
        self.url = f"http://127.0.0.1:{server.server_port}"


@pytest.fixture
def live_server(database_url, engine, clock, tmp_path):
    """Serve the app over HTTP; settings point WECHAT_API_BASE and MINYI_PUBLIC_URL at this server."""
    import threading

    from werkzeug.serving import make_server

    from server import create_app

    server = make_server("127.0.0.1", 0, app=None, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    settings = load_settings({"DATABASE_URL": database_url, "MINYI_INSTANCE_DIR": str(tmp_path / "instance"),
                              "MINYI_ENV": "testing", "MINYI_PUBLIC_URL": url,
                              "WECHAT_API_BASE": f"{url}/sandbox/api",
                              # a loaded test machine must not send ordinary messages to the journal
                              "MINYI_BOT_DB_BUDGET_SECONDS": "4"})
    runtime = build_runtime(settings, clock=clock, engine=engine)
    app = create_app(settings, runtime=runtime)
    server.app = app
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(server, app, runtime)
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def redis_prefix():
    """A Redis key prefix of this test's own; its keys are deleted afterwards (never FLUSHALL: Redis is shared)."""
    import uuid

    import redis

    prefix = f"minyi-test-{uuid.uuid4().hex[:12]}"
    yield prefix
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(f"{prefix}*"))
    if keys:
        client.delete(*keys)
    client.close()
