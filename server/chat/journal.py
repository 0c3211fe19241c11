"""Messages the database could not take: journalled by the webhook, replayed here once it is back.

The webhook gives the database `bot_db_budget_seconds` (`handle_within`); when that fails it writes
the parsed message to the host's journal (server.core.journal: a local fsynced file) and answers at
once. `replay_journal` then turns the entries into what they would have been, one transaction each,
in the order they arrived: through `handle_inbound` (so the dedupe key holds: an entry replayed twice,
or also handled directly, counts once), as of the time the webhook received it (the 72 hours start
when the resident wrote), and the reply the resident did not get is queued in the same transaction as
a customer-service push (`inbound_reply`). An entry is marked done only after that commit.
"""
from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import exc as sa_exc
from sqlalchemy import text

from server.chat.inbound import handle_inbound
from server.core.journal import Journal, JournalEntry
from server.core.runtime import Runtime
from server.core.uow import UnitOfWork
from server.people import service as people
from server.pushes import notifications

log = logging.getLogger(__name__)

REPLY_KIND = "inbound_reply"
JOURNAL_EXTRA = "inbound_journal"
# What "the database cannot take it now" looks like; anything else is a bug and stays loud.
DATABASE_UNAVAILABLE: tuple[type[Exception], ...] = (sa_exc.OperationalError, sa_exc.InterfaceError,
                                                     sa_exc.DisconnectionError, sa_exc.TimeoutError)
_journals_lock = threading.Lock()


def inbound_journal(runtime: Runtime) -> Journal:
    """The runtime's journal (one per process): `<instance>/journal/`."""
    with _journals_lock:
        journal = runtime.extras.get(JOURNAL_EXTRA)
        if journal is None:
            journal = runtime.extras[JOURNAL_EXTRA] = Journal(runtime.settings.instance_dir / "journal")
        return journal


def handle_within(uow: UnitOfWork, message: dict[str, Any], seconds: float) -> str:
    """`handle_inbound` with PostgreSQL's statement and lock timeouts set to `seconds` for its transaction,
    so work the webhook stopped waiting for does not hold locks for long."""
    with uow.transaction() as session:
        if session.get_bind().dialect.name == "postgresql":
            milliseconds = str(max(1, int(seconds * 1000)))
            session.execute(text("SELECT set_config('statement_timeout', :ms, true), "
                                 "set_config('lock_timeout', :ms, true)"), {"ms": milliseconds})
        return handle_inbound(uow, message)


class _FixedClock:
    def __init__(self, at: datetime) -> None:
        self._at = at

    def now(self) -> datetime:
        return self._at


def replay_message(uow: UnitOfWork, entry: JournalEntry) -> str:
    """One journalled message in one transaction, as of when it was received; its reply is queued as a
    push to the sender (once: the push's dedupe key is the message's). Returns the reply."""
    received_at = datetime.fromisoformat(entry.at) if entry.at else uow.clock.now()
    timed = UnitOfWork(uow.session_factory, clock=_FixedClock(received_at), storage=uow.storage,
                       settings=uow.settings)
    with timed.transaction() as session:
        reply = handle_inbound(timed, entry.message)
        identity = people.find_identity(session, entry.openid)
        if reply and identity is not None:
            notifications.enqueue(session, kind=REPLY_KIND, recipient_id=identity.person_id, now=uow.clock.now(),
                                  payload={"text": reply},
                                  dedupe_key=f"{REPLY_KIND}:{hashlib.sha1(entry.key.encode()).hexdigest()}")
        return reply


def replay_journal(new_uow: Callable[[], UnitOfWork], journal: Journal) -> dict[str, Any]:
    """Replay every pending entry in order; stop (to try again later) when the database is still away.

    One replayer per host at a time (a file lock); the others return at once with `busy`. An entry that
    fails for another reason (a bug) is logged, kept in `failed.jsonl` next to the journal and passed, so
    one bad message cannot hold back everyone's.
    """
    with journal.replay_lock() as mine:
        if not mine:
            return {"busy": True}
        replayed = set_aside = 0
        for entry in journal.pending():
            try:
                replay_message(new_uow(), entry)
            except DATABASE_UNAVAILABLE as exc:
                return {"replayed": replayed, "set_aside": set_aside, "waiting": len(journal.pending()),
                        "error": describe_error(exc)}
            except Exception:
                log.exception("journalled message %s could not be replayed; kept in %s", entry.key,
                              journal.failed_path)
                journal.set_aside(entry)
                set_aside += 1
            else:
                replayed += 1
            journal.mark_done(entry.key)
        held = journal.compact()
        if held:
            log.warning("inbound journal drained: the %d message(s) journalled during the outage are in the "
                        "database (%d set aside in this pass)", held, set_aside)
        return {"replayed": replayed, "set_aside": set_aside, "waiting": len(journal.pending())}


def describe_error(exc: BaseException) -> str:
    """The first line of a database error, for a log line (no traceback)."""
    first = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return f"{type(exc).__name__}: {first[0] if first else ''}"[:200]
