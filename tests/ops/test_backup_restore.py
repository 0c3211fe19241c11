"""The backup and restore drill: `minyi backup` → the data wiped → `minyi restore` → the same rows.

PostgreSQL runs in a throwaway database this test creates and drops (pg_dump / pg_restore); SQLite in a
file of its own (the online backup API, taken while another connection holds a write transaction open).
"""
from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text

import server.tables  # noqa: F401  (every table on the metadata)
from server.core import migrations as migrate
from server.core import pg_scratch
from server.core.clock import ManualClock
from server.core.db import Base
from server.core.runtime import build_runtime
from server.core.settings import load_settings
from tests.conftest import PG_ADMIN_URL, _pg_reachable
from tests.factories import World
from tests.jobs.helpers import insert_cases

ROOT = Path(__file__).resolve().parents[2]


def minyi(database_url: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": database_url, "MINYI_INSTANCE_DIR": str(tmp_path),
           "MINYI_ENV": "testing", "HOME": str(tmp_path)}
    return subprocess.run([sys.executable, "-m", "server.cli", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60)


def snapshot(url: str) -> dict[str, list[tuple]]:
    """Every row of every table (and Alembic's revision), in primary-key order."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            rows = {table.name: [tuple(row) for row in connection.execute(
                        select(table).order_by(*table.primary_key.columns))]
                    for table in Base.metadata.sorted_tables}
            rows["alembic_version"] = [tuple(r) for r in connection.execute(text("SELECT * FROM alembic_version"))]
    finally:
        engine.dispose()
    return rows


def fill(url: str, tmp_path: Path) -> dict[str, list[tuple]]:
    migrate.upgrade(url)
    settings = load_settings({"DATABASE_URL": url, "MINYI_INSTANCE_DIR": str(tmp_path), "MINYI_ENV": "testing"})
    runtime = build_runtime(settings, clock=ManualClock(datetime(2026, 11, 28, 1, 0, tzinfo=UTC)))
    try:
        world = World.load(runtime)
        insert_cases(runtime, count=40, street_id=world.street("hubin").id, reporter_id=world.person("严民强").id,
                     first=runtime.clock.now() - timedelta(hours=30), spacing=timedelta(minutes=7))
    finally:
        runtime.dispose()
    rows = snapshot(url)
    assert len(rows["cases"]) == 40 and rows["streets"] and rows["people"] and rows["alembic_version"]
    return rows


def drill(url: str, tmp_path: Path, wipe) -> None:
    before = fill(url, tmp_path)
    backup_file = tmp_path / "minyi.backup"
    made = minyi(url, tmp_path, "backup", str(backup_file))
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout)["bytes"] == backup_file.stat().st_size > 0
    assert not backup_file.with_name("minyi.backup.partial").exists()
    wipe()
    refused = minyi(url, tmp_path, "restore", str(backup_file))  # no --yes, no terminal: nothing happens
    assert refused.returncode != 0
    restored = minyi(url, tmp_path, "restore", "--yes", str(backup_file))
    assert restored.returncode == 0, restored.stderr
    assert snapshot(url) == before
    checked = minyi(url, tmp_path, "db", "check")
    assert checked.returncode == 0, checked.stderr


def test_postgresql_backup_wipe_restore_gives_back_the_same_rows(tmp_path):
    reason = _pg_reachable()
    if reason:
        pytest.fail(f"PostgreSQL is needed for the drill: {reason}")
    with pg_scratch.scratch_database(PG_ADMIN_URL, "minyi_backup_drill") as url:
        def wipe() -> None:
            engine = create_engine(url)
            with engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            engine.dispose()
            assert not any(snapshot_tables(url))

        drill(url, tmp_path, wipe)


def snapshot_tables(url: str) -> list[str]:
    engine = create_engine(url)
    with engine.connect() as connection:
        names = list(connection.scalars(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")))
    engine.dispose()
    return names


def test_sqlite_backup_is_online_and_a_restore_gives_back_the_same_rows(tmp_path):
    path = tmp_path / "minyi.sqlite3"
    url = f"sqlite:///{path}"
    before = fill(url, tmp_path)
    # A writer in the middle of a transaction while the backup runs: the backup holds what was committed.
    writer = sqlite3.connect(path, timeout=0.1)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE cases SET description = 'not committed' WHERE id = 1")
    backup_file = tmp_path / "minyi.backup"
    made = minyi(url, tmp_path, "backup", str(backup_file))
    writer.rollback()
    writer.close()
    assert made.returncode == 0, made.stderr
    path.write_bytes(b"")  # wiped
    restored = minyi(url, tmp_path, "restore", "--yes", str(backup_file))
    assert restored.returncode == 0, restored.stderr
    assert snapshot(url) == before
    wrong = minyi("postgresql+psycopg://postgres@127.0.0.1:1/none", tmp_path, "restore", "--yes", str(backup_file))
    assert wrong.returncode == 2 and "not a postgresql backup" in wrong.stderr
