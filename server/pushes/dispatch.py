"""The push dispatcher: sends what the services wrote to the outbox, through the WeChat gateway.

It only delivers: `fetch_media` rows (photos to download) are the chat's media job's, never claimed
here. Rows are leased and their outcomes fenced as `outbox.py` describes. One round (`dispatch_due`),
a handful of statements whatever its size:
1. claim due pushes in one statement, and read the recipients' people and WeChat identities in two
   queries for the whole round (`channels.routes_for_many`), in the same short transaction;
2. send the claimed pushes OUTSIDE any transaction (WeChat may take seconds), SEND_THREADS at a
   time per dispatcher (the gateway is thread-safe: one HTTP session, a per-thread pinned token,
   locked token refreshes). A push is not started once less than SEND_BUDGET of its lease is left:
   it goes back to `pending`, due at once, its attempt not counted (a slow WeChat must not make a
   round outlive its leases);
3. record the round's outcomes in one short transaction (`outbox.record`): sent | retry later with
   exponential backoff and jitter (transient errors, a token refused after its one refresh,
   unexpected exceptions) | dead at once (permanent errors, a kind this release has no text for) |
   dead after `max_attempts` | skipped (the recipient has no reachable WeChat identity, is inactive or
   unknown: not a delivery failure, so it is not retried; staff see it next to the dead letters in
   `list_failed_pushes` and can `retry_dead` it once the person has bound WeChat) | fenced (the lease
   was taken over: this dispatcher does not overwrite the new owner's result).

Delivery is at-least-once, and that edge is real: if a dispatcher crashes (or loses its database)
after WeChat accepted a push but before step 3 commits, the row is claimed again when its lease
expires and the push is sent a second time (since outcomes are recorded per round, a crash there
repeats up to one round's pushes). WeChat offers no idempotency key for these APIs, so this cannot
be closed from our side; it only happens on a crash within that window. The same holds for a send
that timed out: WeChat may have delivered it before we gave up waiting, and the retry delivers it
again. In the normal path every row is sent once: a claimed row is invisible to other dispatchers
until its lease ends, the lease (LEASE, 2 minutes) is longer than SEND_BUDGET plus the worst-case
send (a wait for another process's token refresh, two token fetches and up to four sends at the
gateway's 3-second timeouts: under a minute), and no send starts with less than SEND_BUDGET left.
"""
from __future__ import annotations

import logging
import os
import random
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from server.audit.rules import StaffAction, StaffActor
from server.audit.service import record_staff_action
from server.core.errors import NotFoundError, ValidationError
from server.core.settings import Settings
from server.core.uow import UnitOfWork
from server.pushes import outbox
from server.pushes.channels import Route, routes_for_many, send_push
from server.pushes.failures import KIND_LABELS
from server.pushes.models import OutboxMessage
from server.pushes.outbox import LEASE, MAX_ATTEMPTS, Lease, Outcome
from server.pushes.states import OutboxStatus
from server.pushes.texts import TEXTS
from server.wechat import WeChatGateway, WeChatPermanentError, WeChatTokenError, WeChatTransientError

__all__ = ["LEASE", "MAX_ATTEMPTS", "SEND_BUDGET", "Claimed", "claim_due", "dispatch_due", "list_failed_pushes",
           "retry_dead", "send_claimed"]

log = logging.getLogger(__name__)

SEND_BUDGET = timedelta(minutes=1)  # lease that must be left to start a send (worst case: under a minute)
SEND_THREADS = 8  # concurrent sends per dispatcher (real WeChat answers in 50-200 ms); requests pools 10/host
SUMMARY_KEYS = ("claimed", "sent", "retry", "dead", "skipped", "fenced")


@dataclass(frozen=True)
class Claimed(Lease):
    """A push leased to this dispatcher, with the routes to its recipient (none: `unreachable` says why)."""

    routes: list[Route] = field(default_factory=list)
    unreachable: str | None = None


def dispatch_due(uow: UnitOfWork, gateway: WeChatGateway, *, limit: int = 100,
                 max_attempts: int = MAX_ATTEMPTS, rng: random.Random | None = None,
                 threads: int = SEND_THREADS) -> dict[str, int]:
    """Send up to `limit` due pushes; returns counts by outcome (claimed, sent, retry, dead, skipped,
    fenced). Safe to run in any number of processes at once."""
    rng = rng or random.Random()
    summary: Counter[str] = Counter()
    pushes = claim_due(uow, limit=limit, max_attempts=max_attempts, summary=summary)
    summary["claimed"] += len(pushes)
    if pushes:
        now, settings = uow.clock.now, uow.settings
        if threads > 1 and len(pushes) > 1:
            results = list(_send_pool(threads).map(lambda item: _attempt(gateway, item, now, settings), pushes))
        else:
            results = [_attempt(gateway, item, now, settings) for item in pushes]
        outcomes = [outbox.settle(item, result, now=now(), max_attempts=max_attempts, rng=rng)
                    for item, result in zip(pushes, results, strict=True)]
        summary.update(outbox.record(uow, list(zip(pushes, outcomes, strict=True))))
    if summary:
        log.info("outbox round: %s", dict(summary))
    return {key: summary.get(key, 0) for key in SUMMARY_KEYS}


_pools: dict[tuple[int, int], ThreadPoolExecutor] = {}
_pools_lock = threading.Lock()


def _send_pool(threads: int) -> ThreadPoolExecutor:
    """The process's send threads, started once (per size, and again in a forked child)."""
    key = (os.getpid(), threads)
    with _pools_lock:
        pool = _pools.get(key)
        if pool is None:
            pool = _pools[key] = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="outbox-send")
        return pool


def claim_due(uow: UnitOfWork, *, limit: int, max_attempts: int = MAX_ATTEMPTS,
              summary: Counter[str] | None = None) -> list[Claimed]:
    """Take due pushes for this dispatcher under a lease; rows out of attempts are dead-lettered instead."""
    with uow.transaction() as session:
        now = uow.clock.now()
        leases, dead = outbox.claim(session, now, limit=limit, max_attempts=max_attempts)
        if summary is not None:
            summary["dead"] += dead
        routes = routes_for_many(session, {lease.recipient_id for lease in leases}, now)
        return [Claimed(lease.id, lease.attempts, lease.kind, lease.payload, lease.recipient_id,
                        lease.lease_expires_at, *routes[lease.recipient_id]) for lease in leases]


def send_claimed(uow: UnitOfWork, gateway: WeChatGateway, item: Claimed, max_attempts: int = MAX_ATTEMPTS,
                 rng: random.Random | None = None) -> str:
    """Send one claimed push and record how it ended: sent, retry, dead, skipped, or fenced (lease lost)."""
    result = _attempt(gateway, item, uow.clock.now, uow.settings)
    outcome = outbox.settle(item, result, now=uow.clock.now(), max_attempts=max_attempts,
                            rng=rng or random.Random())
    return outbox.record(uow, [(item, outcome)])[0]


def _attempt(gateway: WeChatGateway, item: Claimed, now: Callable[[], datetime], settings: Settings) -> Outcome:
    """Send one push (no database here: this runs in the send threads); `now` is the clock's `now`.
    Status "retry" means a transient failure, resolved into a backoff or a dead letter by `outbox.settle`."""
    try:
        if item.kind not in TEXTS:
            return Outcome(OutboxStatus.dead, error=f"unknown outbox kind {item.kind!r}")
        if not item.routes:
            return Outcome(OutboxStatus.skipped, error=item.unreachable)
        moment = now()
        if item.lease_expires_at is not None and moment > item.lease_expires_at - SEND_BUDGET:
            log.warning("outbox %s: not sent, its lease is nearly over; released", item.id)
            return Outcome(OutboxStatus.pending, error="released unsent: the round ran late", available_at=moment,
                           attempts=item.attempts - 1)
        channel = send_push(gateway, item.routes, item.kind, item.payload, now=moment, settings=settings)
        return Outcome(OutboxStatus.sent, channel=channel)
    except WeChatPermanentError as exc:
        return Outcome(OutboxStatus.dead, error=str(exc))
    except (WeChatTransientError, WeChatTokenError) as exc:
        return Outcome("retry", error=str(exc))
    except Exception as exc:  # a bug must not lose the push or stop the round: retried, then dead-lettered
        log.exception("outbox %s (%s) failed unexpectedly", item.id, item.kind)
        return Outcome("retry", error=f"{type(exc).__name__}: {exc}")


def retry_dead(uow: UnitOfWork, *, outbox_id: int, actor: StaffActor | None = None) -> OutboxMessage:
    """Staff send a dead-lettered (or skipped) push again: it becomes pending now with fresh attempts.
    From the console (`actor`), the retry is a line of the audit log; the CLI's operator has none."""
    with uow.transaction() as session:
        row = session.get(OutboxMessage, outbox_id, with_for_update=True)
        if row is None:
            raise NotFoundError("找不到该推送")
        if row.status not in (OutboxStatus.dead, OutboxStatus.skipped):
            raise ValidationError("只能重试发送失败或被跳过的推送", details={"status": row.status})
        if actor is not None:
            actor.check_admin()
            record_staff_action(session, actor, StaffAction.push_retry, uow.clock.now(), subject_type="outbox",
                                subject_id=row.id, subject_label=f"推送 #{row.id}（{KIND_LABELS.get(row.kind, row.kind)}）",
                                data={"status": row.status.value, "last_error": (row.last_error or "")[:200]})
        row.status, row.attempts, row.available_at, row.lease_expires_at = (
            OutboxStatus.pending, 0, uow.clock.now(), None)
        session.flush()
        return row


def list_failed_pushes(uow: UnitOfWork, *, limit: int = 100) -> list[OutboxMessage]:
    """Dead-lettered and skipped pushes, newest first, for the staff console."""
    with uow.transaction() as session:
        query = (select(OutboxMessage).where(OutboxMessage.status.in_((OutboxStatus.dead, OutboxStatus.skipped)))
                 .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc()).limit(limit))
        rows = list(session.scalars(query))
        session.expunge_all()
        return rows
