"""SQLite writers queue on a file lock before BEGIN IMMEDIATE (server/sqlite_writers.py)."""
from __future__ import annotations

import fcntl
import os
import threading

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError

from server.core import sqlite_writers
from server.core.db import make_engine


@pytest.fixture
def sqlite_engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'writers.sqlite3'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)"))
    yield engine
    engine.dispose()


def _lock_file(engine) -> str:
    return f"{engine.url.database}-writers.lock"


def test_a_second_writer_waits_for_the_first_to_commit_then_writes(sqlite_engine):
    engine = sqlite_engine
    started, finished = threading.Event(), threading.Event()

    def second_writer():
        started.set()
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO notes (body) VALUES ('second')"))
        finished.set()

    with engine.begin() as connection:
        connection.execute(text("INSERT INTO notes (body) VALUES ('first')"))
        thread = threading.Thread(target=second_writer)
        thread.start()
        started.wait(5)
        assert not finished.wait(0.3), "the second writer did not wait for the first"
    thread.join(10)
    assert finished.is_set()
    with engine.connect() as connection:
        assert connection.execute(text("SELECT body FROM notes ORDER BY id")).scalars().all() == ["first", "second"]


def test_the_queue_is_left_after_a_rollback_and_after_a_failed_begin(sqlite_engine):
    engine = sqlite_engine
    with pytest.raises(RuntimeError), engine.begin() as connection:
        connection.execute(text("INSERT INTO notes (body) VALUES ('undone')"))
        raise RuntimeError("rolled back")
    # Someone else holds SQLite's own lock (not the queue): BEGIN IMMEDIATE fails, the queue is left.
    blocker = engine.raw_connection()
    blocker.driver_connection.execute("BEGIN IMMEDIATE")
    short = make_engine(str(engine.url))
    event.listen(short, "connect", lambda dbapi_connection, _record: dbapi_connection.execute(
        "PRAGMA busy_timeout=100"))  # after make_engine's own 30 s
    try:
        with pytest.raises(OperationalError, match="locked"), short.begin():
            pass
    finally:
        blocker.driver_connection.rollback()
        blocker.close()
        short.dispose()
    probe = os.open(_lock_file(sqlite_engine), os.O_RDWR)
    try:
        fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)  # free again: nobody kept the queue
    finally:
        os.close(probe)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO notes (body) VALUES ('after')"))


def test_one_thread_with_two_connections_does_not_queue_behind_itself(sqlite_engine):
    engine = sqlite_engine
    with engine.begin() as first:
        first.execute(text("INSERT INTO notes (body) VALUES ('outer')"))
        other = engine.raw_connection()
        try:
            other.driver_connection.execute("PRAGMA busy_timeout=100")
            # Not stuck on the file lock this thread holds: SQLite's own wait answers, as without the queue.
            with pytest.raises(Exception, match="locked"):
                other.driver_connection.queue_for_write()
                other.driver_connection.execute("BEGIN IMMEDIATE")
        finally:
            other.close()


def test_a_writer_that_cannot_get_the_queue_goes_on_to_sqlites_own_wait(sqlite_engine, monkeypatch):
    engine = sqlite_engine
    monkeypatch.setattr(sqlite_writers, "QUEUE_TIMEOUT", 0.2)
    stranger = os.open(_lock_file(sqlite_engine), os.O_RDWR | os.O_CREAT)
    fcntl.flock(stranger, fcntl.LOCK_EX)  # a process that holds the queue and never writes
    try:
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO notes (body) VALUES ('went on')"))
    finally:
        os.close(stranger)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM notes")).scalar() == 1


def test_a_transaction_ended_by_another_thread_leaves_the_queue_for_its_owner(sqlite_engine):
    engine = sqlite_engine
    raw = engine.raw_connection()
    driver = raw.driver_connection
    driver.queue_for_write()
    driver.execute("BEGIN IMMEDIATE")
    assert _lock_file(sqlite_engine) in sqlite_writers._paths_held()
    ended = threading.Thread(target=driver.rollback)  # the pool may reset a connection from any thread
    ended.start()
    ended.join(5)
    assert _lock_file(sqlite_engine) not in sqlite_writers._paths_held()
    raw.close()
    with engine.begin() as connection:  # this thread queues again normally
        connection.execute(text("INSERT INTO notes (body) VALUES ('next')"))
