"""A durable, append-only journal on local disk: where the webhook puts a message the database cannot take.

Why a local file and not Redis: this deployment's Redis runs with `--appendonly no`, so an entry
written there is lost on a Redis restart, and Redis is one more network service that can be down at
the same moment as PostgreSQL (a host or network outage takes both). A local file written with
`fsync` survives a crash of the process, of PostgreSQL and of Redis; it needs nothing but the disk
the process already writes its logs to. With several hosts, each host journals and replays its own
file (the replayer runs in every `minyi serve` process's scheduler, and after the webhook sees the
database again); the dedupe key makes a message replayed on two hosts count once.

The file (`inbound.jsonl` in the journal folder) is shared by every process of the host:
- every line is one JSON object: a header `{"journal": generation}` first, then entries
  `{"key", "at", "message"}` and done marks `{"done": key}`, in the order they were written;
- writers take an exclusive `flock` on it (threads of one process also take a lock), append one
  whole line with `O_APPEND` and `fsync` before answering WeChat;
- a line torn by a crash mid-write is never glued to the next one: a writer that finds the file not
  ending in a newline ends it first, and readers skip any line that is not valid JSON;
- once every entry is done, the replayer empties the file; the next writer starts a new generation
  (each process's index notices the new header and reads the file afresh).

Each process keeps an index of the file (keys journalled, keys pending, their senders), brought up to
date under the lock by reading only what was appended since it last looked: that is how a WeChat
retry of a journalled message, arriving at any process of the host, is recognised and not journalled
twice. Entries are marked done only after the replayer's transaction committed; a crash before the
mark means the entry is replayed again, and the inbound dedupe key makes that a no-op.
"""
from __future__ import annotations

import fcntl
import json
import os
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FILE_NAME = "inbound.jsonl"
REPLAY_LOCK_NAME = "replay.lock"
FAILED_NAME = "failed.jsonl"


@dataclass(frozen=True)
class JournalEntry:
    key: str
    at: str  # ISO 8601, UTC: when the webhook received the message
    message: dict[str, Any]

    @property
    def openid(self) -> str:
        return str(self.message.get("openid") or "")


class Journal:
    """One host's journal file, and this process's index of it. Thread-safe."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.path = self.directory / FILE_NAME
        self.failed_path = self.directory / FAILED_NAME
        self._lock = threading.Lock()
        self._fd: int | None = None
        self._generation: str | None = None
        self._offset = 0
        self._seen: set[str] = set()
        self._pending: dict[str, JournalEntry] = {}  # in file order (dicts keep insertion order)

    # -- writing ---------------------------------------------------------------------------------------

    def append(self, key: str, at: str, message: dict[str, Any]) -> bool:
        """Journal one message durably (fsync); False when its key is journalled already (a retry)."""
        line = json.dumps({"key": key, "at": at, "message": message}, ensure_ascii=False)
        with self._locked() as fd:
            if key in self._seen:
                return False
            self._write(fd, line)
            return True

    def mark_done(self, key: str) -> None:
        """The entry's transaction committed: it is not replayed again (a lost mark only costs a no-op replay)."""
        with self._locked() as fd:
            if key in self._pending:
                self._write(fd, json.dumps({"done": key}))

    def set_aside(self, entry: JournalEntry) -> None:
        """Keep an entry that cannot be replayed (a bug, not an outage) for people to look at."""
        line = json.dumps({"key": entry.key, "at": entry.at, "message": entry.message}, ensure_ascii=False)
        with self._lock:
            fd = os.open(self.failed_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            try:
                os.write(fd, line.encode() + b"\n")
                os.fsync(fd)
            finally:
                os.close(fd)

    def compact(self) -> int | None:
        """Empty the file if nothing in it is pending: how many messages it held, or None if some wait."""
        with self._locked() as fd:
            if self._pending:
                return None
            held = len(self._seen)
            if os.fstat(fd).st_size:
                os.ftruncate(fd, 0)
                os.fsync(fd)
            self._reset()
            return held

    # -- reading ---------------------------------------------------------------------------------------

    def pending(self) -> list[JournalEntry]:
        """Entries not yet done, in the order they were journalled."""
        with self._locked():
            return list(self._pending.values())

    def is_pending(self, key: str) -> bool:
        if not self._maybe_nonempty():
            return False
        with self._locked():
            return key in self._pending

    def has_pending_from(self, openid: str) -> bool:
        """True while a message of `openid` waits for replay: their next ones must queue behind it."""
        if not self._maybe_nonempty():
            return False
        with self._locked():
            return any(entry.openid == openid for entry in self._pending.values())

    def has_pending(self) -> bool:
        if not self._maybe_nonempty():
            return False
        with self._locked():
            return bool(self._pending)

    @contextmanager
    def replay_lock(self) -> Iterator[bool]:
        """Yield True to the one replayer of this host (non-blocking); False if another one is at work."""
        self.directory.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.directory / REPLAY_LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            yield True
        finally:
            os.close(fd)  # closing releases the flock

    # -- internals -------------------------------------------------------------------------------------

    def _maybe_nonempty(self) -> bool:
        # The common case (no outage): one stat, no lock.
        try:
            return self.path.stat().st_size > 0
        except FileNotFoundError:
            return False

    def _open(self) -> int:
        if self._fd is None:
            self.directory.mkdir(parents=True, exist_ok=True)
            created = not self.path.exists()
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
            if created:  # the new name must survive a crash too
                directory = os.open(self.directory, os.O_RDONLY)
                try:
                    os.fsync(directory)
                finally:
                    os.close(directory)
        return self._fd

    @contextmanager
    def _locked(self) -> Iterator[int]:
        with self._lock:
            fd = self._open()
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                self._refresh(fd)
                yield fd
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)

    def _write(self, fd: int, line: str) -> None:
        size = os.fstat(fd).st_size
        data = line.encode() + b"\n"
        if size == 0:
            data = json.dumps({"journal": uuid.uuid4().hex}).encode() + b"\n" + data
        elif os.pread(fd, 1, size - 1) != b"\n":
            data = b"\n" + data  # end a line torn by a crash, so this one stands alone
        os.write(fd, data)
        os.fsync(fd)
        self._refresh(fd)

    def _reset(self) -> None:
        self._generation, self._offset = None, 0
        self._seen.clear()
        self._pending.clear()

    def _refresh(self, fd: int) -> None:
        """Read what other processes (and this one) appended since the last look; start over when the
        file was emptied and begun again (another generation)."""
        size = os.fstat(fd).st_size
        header = os.pread(fd, 64, 0).split(b"\n", 1)[0] if size else b""
        generation = _parse(header).get("journal") if header else None
        if size < self._offset or generation != self._generation:
            self._reset()
            self._generation = generation
        if size == self._offset:
            return
        chunk = os.pread(fd, size - self._offset, self._offset)
        end = chunk.rfind(b"\n") + 1  # a last line without its newline is still being written, or torn
        for raw in chunk[:end].splitlines():
            self._take(_parse(raw))
        self._offset += end

    def _take(self, record: dict[str, Any]) -> None:
        if isinstance(record.get("done"), str):
            self._pending.pop(record["done"], None)
        elif (isinstance(record.get("key"), str) and isinstance(record.get("message"), dict)
              and record["key"] not in self._seen):
            self._seen.add(record["key"])
            self._pending[record["key"]] = JournalEntry(record["key"], str(record.get("at") or ""),
                                                        record["message"])


def _parse(raw: bytes) -> dict[str, Any]:
    try:
        record = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return {}  # a torn line
    return record if isinstance(record, dict) else {}
