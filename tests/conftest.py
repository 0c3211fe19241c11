"""Fixtures: every test runs once on a real SQLite file and once on a real PostgreSQL database.

The PostgreSQL database is made for this test session and dropped after it, so parallel runs never
collide. Under CI=true an unreachable PostgreSQL fails the run instead of skipping.
"""
from __future__ import annotations

import os

import pytest
from sqlalchemy import text

import server.tables  # noqa: F401  (every table on Base.metadata before create_all)
from server.core import pg_scratch
from server.core.clock import ManualClock
from server.core.db import Base, make_engine
from server.core.runtime import build_runtime
from server.core.settings import load_settings

PG_ADMIN_URL = os.environ.get("MINYI_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BACKENDS = ["sqlite", "postgresql"]


def _pg_reachable() -> str | None:
    return pg_scratch.unreachable_reason(PG_ADMIN_URL)


def create_pg_database() -> str:
    """A fresh, uniquely named PostgreSQL database; returns its URL."""
    return pg_scratch.create_database(PG_ADMIN_URL, "minyi_test")


def drop_pg_database(url: str) -> None:
    pg_scratch.drop_database(PG_ADMIN_URL, url)


def pytest_configure(config):
    config.addinivalue_line("markers", "postgresql_only: a PostgreSQL feature; the SQLite run leaves it out")


def pytest_collection_modifyitems(config, items):
    """Tests marked postgresql_only are deselected (not skipped) on SQLite: there is nothing to run."""
    sqlite_only_run = [item for item in items if item.get_closest_marker("postgresql_only")
                       and getattr(item, "callspec", None) and item.callspec.params.get("backend") == "sqlite"]
    if sqlite_only_run:
        config.hook.pytest_deselected(items=sqlite_only_run)
        items[:] = [item for item in items if item not in sqlite_only_run]


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request) -> str:
    if request.param == "postgresql":
        reason = _pg_reachable()
        if reason:
            if os.environ.get("CI") == "true":
                pytest.fail(f"PostgreSQL is required under CI=true but unreachable: {reason}")
            pytest.skip(f"PostgreSQL unreachable: {reason}")
    return request.param


@pytest.fixture(scope="session")
def database_url(backend, tmp_path_factory):
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'minyi-test.sqlite3'}"
        return
    url = create_pg_database()
    yield url
    drop_pg_database(url)


@pytest.fixture(scope="session")
def engine(database_url):
    engine = make_engine(database_url)
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture(autouse=True)
def _clean_tables(request):
    """Empty every table after a test that used the database, so no state leaks between tests."""
    yield
    if "engine" not in request.fixturenames:
        return
    engine = request.getfixturevalue("engine")
    tables = [table.name for table in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(text(f"DELETE FROM {table}"))


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
                              "WECHAT_API_BASE": f"{url}/sandbox/api"})
    runtime = build_runtime(settings, clock=clock, engine=engine)
    app = create_app(settings, runtime=runtime)
    server.app = app
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(server, app, runtime)
    server.shutdown()
    thread.join(timeout=5)
