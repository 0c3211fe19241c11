"""Migrations and models agree on both databases, and every migration can be undone."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, inspect

from server.core import migrations as migrate
from server.core.db import Base

pytestmark = pytest.mark.both_databases("migrations are written and checked per dialect")


def _fresh_url(backend, tmp_path):
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'migrations.sqlite3'}", None
    from tests.conftest import create_pg_database, drop_pg_database

    url = create_pg_database()
    return url, lambda: drop_pg_database(url)


def _tables(url):
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_upgrade_check_and_downgrade_round_trip(backend, tmp_path):
    url, cleanup = _fresh_url(backend, tmp_path)
    try:
        assert migrate.check(url), "an empty database is not at head"
        migrate.upgrade(url)
        assert migrate.check(url) == []
        assert _tables(url) == set(Base.metadata.tables)
        migrate.downgrade(url, "base")
        assert _tables(url) == set()
        migrate.upgrade(url)
        assert migrate.check(url) == []
    finally:
        if cleanup:
            cleanup()
