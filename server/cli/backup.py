"""`minyi backup FILE` and `minyi restore FILE`: the database, online, to one file and back.

PostgreSQL: `pg_dump --format=custom` (a consistent snapshot while the platform runs) and `pg_restore
--clean --if-exists --single-transaction` (all or nothing: a failed restore leaves the database as it
was). SQLite: the online backup API (`sqlite3.Connection.backup`), which copies a consistent database
while other processes keep writing, and copies back the same way. The file is written beside FILE and
renamed when complete, so a crash never leaves a half backup under the name. Attachments
(`<instance>/attachments`) are plain files: copy them with the backup (rsync), see the README.
"""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import click
from sqlalchemy.engine import URL, make_url

from server.cli.common import settings_or_exit

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """The URL pg_dump understands, and the environment carrying the password (never on the command line)."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        click.echo(f"minyi: {name} not found: install the PostgreSQL client (apt-get install postgresql-client)",
                   err=True)
        sys.exit(2)
    return found


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        click.echo(f"minyi: {Path(command[0]).name} failed: {result.stderr.strip()[:2000]}", err=True)
        sys.exit(1)


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        click.echo("minyi: an in-memory SQLite database has nothing to back up", err=True)
        sys.exit(2)
    return Path(url.database)


def _copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy through SQLite's online backup API (the source may be in use)."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True) if source.exists() else None
    if src is None:
        click.echo(f"minyi: no database at {source}", err=True)
        sys.exit(1)
    dst = sqlite3.connect(target)
    try:
        with dst:
            src.backup(dst)
    finally:
        dst.close()
        src.close()


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def backup(file: Path) -> None:
    """Back up the database to FILE while the platform runs (pg_dump, or SQLite's online backup)."""
    url = make_url(settings_or_exit().sqlalchemy_url)
    partial = file.with_name(file.name + ".partial")
    partial.unlink(missing_ok=True)
    if url.get_backend_name() == "sqlite":
        _copy_sqlite(_sqlite_path(url), partial)
    else:
        target, env = _libpq(url)
        _run([_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={partial}",
              f"--dbname={target}"], env)
    with partial.open("rb") as written:
        os.fsync(written.fileno())
    partial.replace(file)
    click.echo(json.dumps({"backup": str(file), "database": url.get_backend_name(), "bytes": file.stat().st_size}))


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask: replace the database's contents with FILE's.")
def restore(file: Path, yes: bool) -> None:
    """Replace the database's contents with a backup made by `minyi backup` (stop the platform first)."""
    url = make_url(settings_or_exit().sqlalchemy_url)
    backend = url.get_backend_name()
    head = file.open("rb").read(16)
    expected = SQLITE_MAGIC if backend == "sqlite" else PG_MAGIC
    if not head.startswith(expected):
        click.echo(f"minyi: {file} is not a {backend} backup made by `minyi backup`", err=True)
        sys.exit(2)
    where = _sqlite_path(url) if backend == "sqlite" else url.render_as_string(hide_password=True)
    if not yes:
        click.confirm(f"Replace everything in {where} with {file}?", abort=True)
    if backend == "sqlite":
        _copy_sqlite(file, Path(where))
    else:
        target, env = _libpq(url)
        _run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
              "--single-transaction", "--exit-on-error", f"--dbname={target}", str(file)], env)
    click.echo(json.dumps({"restored": str(file), "database": backend}))
