"""A queue for SQLite writers of one database file, in front of SQLite's own write lock.

SQLite lets one transaction write at a time (Minyi takes the lock at BEGIN: `BEGIN IMMEDIATE`). A
connection that finds it taken waits in SQLite's busy handler, which sleeps 1, 2, 5, 10, 15, 20, 25 …
up to 100 ms between tries, so under a burst a request keeps sleeping long after the lock was freed:
with two web workers, most of the webhook's p99 at 16 connections was such sleeping. Here a writer
first takes an OS file lock (`flock` on `<database>-writers.lock`), retried every 50–200 µs, and only
then issues BEGIN IMMEDIATE; the file lock is released once the transaction has ended (committed or
rolled back), or when the process dies (the kernel drops it with the file).

SQLite's lock stays the guarantee: the file lock only orders the waiting. So a writer that has not
got the file lock within QUEUE_TIMEOUT (SQLite's own busy timeout) goes on to SQLite's wait, which
reports a stuck writer as it did before; and a thread that already holds the file lock through
another connection does not queue behind itself.
"""
from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time

QUEUE_TIMEOUT = 30.0  # seconds, as SQLite's busy timeout (server/db.py)
_POLL_FIRST, _POLL_MAX = 0.00005, 0.0002

_held_here = threading.local()  # lock paths this thread holds, through any of its connections


def _paths_held() -> set[str]:
    if not hasattr(_held_here, "paths"):
        _held_here.paths = set()
    return _held_here.paths


class QueuedWriterConnection(sqlite3.Connection):
    """A sqlite3 connection that waits its turn to write (`queue_for_write`) and leaves the queue when
    its transaction has ended. Subclassed per database by `connection_factory` (sqlite3 passes no
    extra arguments to a factory)."""

    lock_path: str = ""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._lock_fd: int | None = None
        self._holder_paths: set[str] | None = None  # the queueing thread's set (the pool may end it elsewhere)

    def queue_for_write(self) -> None:
        """Wait until no other connection is writing (or this thread already writes through another)."""
        held = _paths_held()
        if self._holder_paths is not None or self.lock_path in held:
            return
        if self._lock_fd is None:
            self._lock_fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        deadline, delay = time.monotonic() + QUEUE_TIMEOUT, _POLL_FIRST
        while True:
            try:
                fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return  # SQLite's busy timeout takes over
                time.sleep(delay)
                delay = min(delay * 2, _POLL_MAX)
        held.add(self.lock_path)
        self._holder_paths = held

    def leave_queue(self) -> None:
        if self._holder_paths is None or self.in_transaction:
            return  # not queued, or a failed COMMIT left the transaction open: its rollback releases
        fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
        self._holder_paths.discard(self.lock_path)
        self._holder_paths = None

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.leave_queue()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.leave_queue()

    def close(self) -> None:
        try:
            if self._holder_paths is not None:
                self._holder_paths.discard(self.lock_path)
                self._holder_paths = None
            if self._lock_fd is not None:
                os.close(self._lock_fd)  # closing the file releases its lock
                self._lock_fd = None
        finally:
            super().close()


def connection_factory(database_path: str) -> type[QueuedWriterConnection]:
    """The connection class for one database file."""
    return type("QueuedWriterConnection", (QueuedWriterConnection,),
                {"lock_path": f"{os.path.abspath(database_path)}-writers.lock"})
