"""A queue for SQLite writers of one database file, in front of SQLite's own write lock.

SQLite lets one transaction write at a time (Minyi takes the lock at BEGIN: `BEGIN IMMEDIATE`). A
connection that finds it taken waits in SQLite's busy handler, which sleeps 1, 2, 5, 10, 15, 20, 25 …
up to 100 ms between tries, so under a burst a request keeps sleeping long after the lock was freed:
with two web workers, most of the webhook's p99 at 16 connections was such sleeping. Here a writer
first waits for an OS file lock (`flock` on `<database>-writers.lock`), which the kernel hands over the
moment it is released, and only then issues BEGIN IMMEDIATE; the file lock is released once the
transaction commits or rolls back (or the process dies: the kernel drops it with the file).

SQLite's lock stays the guarantee: the file lock only orders the waiting. A thread that already holds
the file lock through another connection does not queue behind itself (it meets SQLite's own wait, as
before). A writer stuck inside a transaction now holds the others up until it is killed (gunicorn's
worker timeout) instead of their failing after SQLite's 30-second busy timeout: either way it is an
outage that the logs name.
"""
from __future__ import annotations

import fcntl
import os
import sqlite3
import threading

_held_here = threading.local()  # lock paths this thread holds, through any connection


def _paths_held() -> set[str]:
    if not hasattr(_held_here, "paths"):
        _held_here.paths = set()
    return _held_here.paths


class QueuedWriterConnection(sqlite3.Connection):
    """A sqlite3 connection that can wait its turn to write (`queue_for_write`) and leaves the queue when
    its transaction ends. Subclassed per database by `connection_factory` (sqlite3 passes no extra
    arguments to a factory)."""

    lock_path: str = ""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._lock_fd: int | None = None
        self._queued = False

    def queue_for_write(self) -> None:
        """Wait until no other connection is writing (or this thread already writes through another)."""
        if self._queued or self.lock_path in _paths_held():
            return
        if self._lock_fd is None:
            self._lock_fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
        self._queued = True
        _paths_held().add(self.lock_path)

    def leave_queue(self) -> None:
        if self._queued and self._lock_fd is not None:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            self._queued = False
            _paths_held().discard(self.lock_path)

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
            self.leave_queue()
            if self._lock_fd is not None:
                os.close(self._lock_fd)
                self._lock_fd = None
        finally:
            super().close()


def connection_factory(database_path: str) -> type[QueuedWriterConnection]:
    """The connection class for one database file."""
    return type("QueuedWriterConnection", (QueuedWriterConnection,),
                {"lock_path": f"{os.path.abspath(database_path)}-writers.lock"})
