"""A PostgreSQL database built by the real migrations, for tests about plans and separate processes."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import server.tables  # noqa: F401  (the shared engine fixture creates tables from the imported models)
from server.core import migrations as migrate
from server.core.clock import ManualClock
from server.core.runtime import build_runtime
from server.core.settings import load_settings
from tests.conftest import _pg_reachable, create_pg_database, drop_pg_database

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def pg_migrated_url():
    """A fresh PostgreSQL database upgraded to head with `migrate.upgrade` (not create_all)."""
    reason = _pg_reachable()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required under CI=true but unreachable: {reason}")
        pytest.skip(f"PostgreSQL unreachable: {reason}")
    url = create_pg_database()
    migrate.upgrade(url)
    yield url
    drop_pg_database(url)


@pytest.fixture
def pg_runtime(pg_migrated_url, tmp_path):
    settings = load_settings({"DATABASE_URL": pg_migrated_url, "MINYI_INSTANCE_DIR": str(tmp_path / "instance"),
                              "MINYI_ENV": "testing"})
    runtime = build_runtime(settings, clock=ManualClock())
    yield runtime
    from sqlalchemy import text

    from server.core.db import Base

    tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
    with runtime.engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    runtime.dispose()


def minyi_env(database_url: str, instance_dir: Path, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("MINYI_", "WECHAT_"))}
    env.update(DATABASE_URL=database_url, MINYI_INSTANCE_DIR=str(instance_dir), MINYI_ENV="testing", **extra)
    return env


def start_minyi(*args: str, env: dict[str, str]) -> subprocess.Popen:
    """`minyi ARGS` as its own process (the installed entry point's module), output captured."""
    return subprocess.Popen([sys.executable, "-m", "server.cli", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
