"""Every signed message is answered, even while the database is down.

The conversation runs on a small worker pool and the webhook waits `bot_db_budget_seconds` for it
(well inside WeChat's 5 seconds). When the database refuses (connection refused, shutting down, a
timeout) or does not answer in time, the parsed message goes to the host's journal on disk (fsynced;
see server.core.journal for why a file and not Redis) and the resident reads "已收到…编号稍后发给您";
events get no answer. A retry of a journalled message gets the same answer and is journalled once.
While a resident has messages waiting in the journal, their new ones queue behind them there, so a
photo never overtakes the text it belongs to. The first healthy request after an outage starts the
replayer in the background (server.chat.journal); the scheduler's `journal` job does it too.

One warning when a process starts journalling, one when the journal is drained: no traceback per
message. Anything that is not the database being away is a bug and still fails loudly.
"""
from __future__ import annotations

import contextvars
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as WaitedTooLong
from typing import Any

from server.chat import dedupe_key
from server.chat import journal as chat_journal
from server.chat.texts import JOURNALLED
from server.core.runtime import Runtime

log = logging.getLogger(__name__)

WORKERS = 16  # conversations at once per process; below the engine's pool (10 + 20 overflow)
CASE_KINDS = frozenset({"text", "voice", "image", "location"})  # what can make a case: answered "已收到…"


class Intake:
    """Hands a message to the conversation within the budget, or to the journal."""

    def __init__(self, budget_seconds: float) -> None:
        self.budget = budget_seconds
        self._pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="minyi-inbound")
        self._state = threading.Lock()
        self._journalling = False  # this process has journalled since the last drain (one log line each way)
        self._replaying = threading.Lock()

    def answer(self, runtime: Runtime, fields: dict[str, Any]) -> str:
        journal = chat_journal.inbound_journal(runtime)
        if journal.has_pending_from(fields["openid"]):
            # A retry of a journalled message, or the next message of someone whose earlier ones wait:
            # it queues behind them, so they are replayed in the order they were sent.
            reply = self._journal(runtime, fields, reason=None)
            self.replay_soon(runtime)
            return reply
        # In the request's context, so what the conversation logs carries the request id.
        future = self._pool.submit(contextvars.copy_context().run, chat_journal.handle_within, runtime.uow(),
                                   fields, self.budget)
        try:
            reply = future.result(timeout=self.budget)
        except WaitedTooLong:
            # Not started yet: it never will be. Started: it may still commit; the replay then finds its
            # dedupe key taken and only sends the reply the resident has not seen.
            future.cancel()
            return self._journal(runtime, fields, reason=f"no answer within {self.budget:g} s")
        except chat_journal.DATABASE_UNAVAILABLE as exc:
            return self._journal(runtime, fields, reason=chat_journal.describe_error(exc))
        if journal.has_pending():
            self.replay_soon(runtime)
        elif self._journalling:
            with self._state:
                self._journalling = False
        return reply

    def replay_soon(self, runtime: Runtime) -> None:
        """Replay the journal in a background thread unless this process is already doing it."""
        if not self._replaying.acquire(blocking=False):
            return

        def run() -> None:
            try:
                chat_journal.replay_journal(runtime.uow, chat_journal.inbound_journal(runtime))
            except Exception:
                log.exception("inbound journal replay failed; the scheduler's journal job will retry")
            finally:
                self._replaying.release()

        threading.Thread(target=run, name="minyi-journal-replay", daemon=True).start()

    def _journal(self, runtime: Runtime, fields: dict[str, Any], *, reason: str | None) -> str:
        journal = chat_journal.inbound_journal(runtime)
        journal.append(dedupe_key(fields), runtime.clock.now().isoformat(), fields)
        if reason is not None:
            with self._state:
                first, self._journalling = not self._journalling, True
            if first:
                log.warning("database unavailable (%s): journalling inbound messages to %s until it is back",
                            reason, journal.path)
        return JOURNALLED if fields["msg_type"] in CASE_KINDS else ""
