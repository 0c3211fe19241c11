"""The outbox dispatcher: sends what the services wrote to the outbox, through the WeChat gateway.

One round (`dispatch_due`), a handful of statements whatever its size:
1. claim due rows in one statement — `pending` rows whose `available_at` has come, and `sending`
   rows whose lease has expired (their dispatcher died): `UPDATE … SET status 'sending', a lease,
   attempts + 1 WHERE id IN (SELECT id … LIMIT n [FOR UPDATE SKIP LOCKED]) RETURNING …`. SKIP LOCKED
   shares the rows between dispatchers on PostgreSQL; SQLite's BEGIN IMMEDIATE serialises claimers.
   A row out of attempts whose last lease ran out is dead-lettered by the same statement. The
   recipients' people and WeChat identities are read in two queries for the whole round
   (`push_channels.routes_for_many`), in the same short transaction;
2. send the claimed pushes OUTSIDE any transaction (WeChat may take seconds), SEND_THREADS at a
   time per dispatcher (the gateway is thread-safe: one HTTP session, a per-thread pinned token,
   locked token refreshes). A push is not started once less than SEND_BUDGET of its lease is left:
   it goes back to `pending`, due at once, its attempt not counted (a slow WeChat must not make a
   round outlive its leases);
3. record the round's outcomes in one short transaction: the rows still leased to this round are
   locked (`SELECT … FOR UPDATE`: status `sending` and `attempts` as claimed), and one executemany
   UPDATE, fenced by the same condition, writes them. A row whose lease was taken over meanwhile is
   `fenced`: this dispatcher does not overwrite the new owner's result. Outcomes:
   sent | retry later with exponential backoff and jitter (transient errors, a token refused
   after its one refresh, unexpected exceptions) | dead at once (permanent errors) | dead after
   `max_attempts` | skipped (the recipient has no reachable WeChat identity, is inactive or unknown:
   not a delivery failure, so it is not retried; staff see it next to the dead letters in
   `list_failed_pushes` and can `retry_dead` it once the person has bound WeChat).

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

`fetch_media` rows are not pushes: the photo a resident sent is downloaded, stored and attached to
their case, one row at a time in the dispatcher's own thread; the attachment and the row's `sent`
mark commit together in the row's own transaction, so it is attached once.
"""
from __future__ import annotations

import logging
import os
import random
import threading
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Integer, String, and_, bindparam, case, cast, func, literal, null, or_, select, update

from server.cases import service as cases
from server.core.db import UTCDateTime
from server.core.errors import DomainError, NotFoundError, ValidationError
from server.core.uow import UnitOfWork
from server.files import service as attachments
from server.pushes.channels import Route, routes_for_many, send_push
from server.pushes.models import OutboxMessage
from server.pushes.texts import TEXTS
from server.wechat import WeChatGateway, WeChatPermanentError, WeChatTokenError, WeChatTransientError

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
SEND_BUDGET = timedelta(minutes=1)  # lease that must be left to start a send (worst case: under a minute)
SEND_THREADS = 8  # concurrent sends per dispatcher (real WeChat answers in 50-200 ms); requests pools 10/host
MAX_ATTEMPTS = 8
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=1)
SUMMARY_KEYS = ("claimed", "sent", "retry", "dead", "skipped", "fenced")

_outbox = OutboxMessage.__table__

# Step 3's one statement, run as an executemany: fenced by status and the attempts the round claimed.
_RECORD = (update(_outbox)
           .where(_outbox.c.id == bindparam("b_id"), _outbox.c.status == "sending",
                  _outbox.c.attempts == bindparam("b_fence"))
           .values(status=bindparam("b_status"), attempts=bindparam("b_attempts"), lease_expires_at=None,
                   last_error=bindparam("b_error", type_=String()),
                   channel=func.coalesce(bindparam("b_channel", type_=String()), _outbox.c.channel),
                   sent_at=func.coalesce(bindparam("b_sent_at", type_=UTCDateTime()), _outbox.c.sent_at),
                   available_at=func.coalesce(bindparam("b_available_at", type_=UTCDateTime()),
                                              _outbox.c.available_at)))


def _claim_statement(skip_locked: bool) -> Any:
    """Step 1's one statement (built once per dialect): lease the due rows, dead-letter the spent ones."""
    now = bindparam("b_now", type_=UTCDateTime())
    due = or_(and_(_outbox.c.status == "pending", _outbox.c.available_at <= now),
              and_(_outbox.c.status == "sending", _outbox.c.lease_expires_at < now))
    pick = (select(_outbox.c.id).where(due).order_by(_outbox.c.available_at, _outbox.c.id)
            .limit(bindparam("b_limit", type_=Integer())))
    if skip_locked:
        pick = pick.with_for_update(skip_locked=True)
    spent = _outbox.c.attempts >= bindparam("b_max_attempts", type_=Integer())  # a dispatcher died on it each time
    gave_up = (literal("gave up after ") + cast(_outbox.c.attempts, String) + " attempts (lease expired); "
               + func.coalesce(_outbox.c.last_error, ""))
    return (update(_outbox).where(_outbox.c.id.in_(pick.scalar_subquery()))
            .values(status=case((spent, "dead"), else_="sending"),
                    lease_expires_at=case((spent, null()), else_=bindparam("b_lease", type_=UTCDateTime())),
                    attempts=case((spent, _outbox.c.attempts), else_=_outbox.c.attempts + 1),
                    last_error=case((spent, gave_up), else_=_outbox.c.last_error))
            .returning(_outbox.c.id, _outbox.c.status, _outbox.c.attempts, _outbox.c.kind, _outbox.c.payload,
                       _outbox.c.recipient_id, _outbox.c.available_at))


_CLAIM = {True: _claim_statement(skip_locked=True), False: _claim_statement(skip_locked=False)}


@dataclass(frozen=True)
class Claimed:
    id: int
    attempts: int  # after this claim; fences the outcome against a later claimer
    kind: str
    payload: dict[str, Any]
    routes: list[Route]
    unreachable: str | None
    lease_expires_at: datetime | None = None


@dataclass(frozen=True)
class _Result:
    """How one row ended, before it is recorded: status sent | pending | dead | skipped."""
    status: str
    error: str | None = None
    channel: str | None = None
    available_at: datetime | None = None
    attempts: int | None = None  # None: as claimed; a released row gives its attempt back

    @property
    def label(self) -> str:
        return "retry" if self.status == "pending" else self.status


class _Outcome(Exception):
    """How one row ended; raised inside the outcome transaction to roll back side effects if fenced off."""


def dispatch_due(uow: UnitOfWork, gateway: WeChatGateway, *, limit: int = 100,
                 max_attempts: int = MAX_ATTEMPTS, rng: random.Random | None = None,
                 threads: int = SEND_THREADS) -> dict[str, int]:
    """Send up to `limit` due outbox rows; returns counts by outcome (claimed, sent, retry, dead, skipped,
    fenced). Safe to run in any number of processes at once."""
    rng = rng or random.Random()
    summary: Counter[str] = Counter()
    claimed = claim_due(uow, limit=limit, max_attempts=max_attempts, summary=summary)
    summary["claimed"] += len(claimed)
    pushes = [item for item in claimed if item.kind != "fetch_media"]
    media = [item for item in claimed if item.kind == "fetch_media"]
    if pushes:
        now, settings = uow.clock.now, uow.settings
        if threads > 1 and len(pushes) > 1:
            results = list(_send_pool(threads).map(lambda item: _attempt(gateway, item, now, settings), pushes))
        else:
            results = [_attempt(gateway, item, now, settings) for item in pushes]
        outcomes = [_resolve(uow, item, result, max_attempts, rng) for item, result in zip(pushes, results, strict=True)]
        summary.update(_record(uow, list(zip(pushes, outcomes, strict=True))))
    # Photos only after the pushes' outcomes are recorded: slow downloads must not run the pushes' lease
    # out (another dispatcher would send them again). Each photo is fenced on its own.
    for item in media:
        summary[send_claimed(uow, gateway, item, max_attempts, rng)] += 1
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
    """Take due rows for this dispatcher under a lease; rows out of attempts are dead-lettered instead."""
    with uow.transaction() as session:
        now = uow.clock.now()
        lease = now + LEASE
        connection = session.connection()
        statement = _CLAIM[connection.dialect.name == "postgresql"]
        params = {"b_now": now, "b_lease": lease, "b_limit": limit, "b_max_attempts": max_attempts}
        rows = sorted(connection.execute(statement, params).all(), key=lambda row: (row.available_at, row.id))
        taken = [row for row in rows if row.status == "sending"]
        if summary is not None:
            summary["dead"] += len(rows) - len(taken)
        routes = routes_for_many(session, {row.recipient_id for row in taken if row.kind != "fetch_media"}, now)
        return [Claimed(row.id, row.attempts, row.kind, dict(row.payload or {}),
                        *(([], None) if row.kind == "fetch_media" else routes[row.recipient_id]), lease)
                for row in taken]


def send_claimed(uow: UnitOfWork, gateway: WeChatGateway, item: Claimed, max_attempts: int = MAX_ATTEMPTS,
                 rng: random.Random | None = None) -> str:
    """Send one claimed row and record how it ended: sent, retry, dead, skipped, or fenced (lease lost)."""
    rng = rng or random.Random()
    if item.kind != "fetch_media":
        result = _resolve(uow, item, _attempt(gateway, item, uow.clock.now, uow.settings), max_attempts, rng)
        return _record(uow, [(item, result)])[0]
    try:
        return _fetch_media(uow, gateway, item)
    except WeChatPermanentError as exc:
        return _finish(uow, item, _Result("dead", error=str(exc)))
    except (WeChatTransientError, WeChatTokenError) as exc:
        return _finish(uow, item, _resolve(uow, item, _Result("retry", error=str(exc)), max_attempts, rng))
    except Exception as exc:  # a bug must not lose the row or stop the round: retried, then dead-lettered
        log.exception("outbox %s (%s) failed unexpectedly", item.id, item.kind)
        return _finish(uow, item, _resolve(uow, item, _Result("retry", error=f"{type(exc).__name__}: {exc}"),
                                           max_attempts, rng))


def _attempt(gateway: WeChatGateway, item: Claimed, now: Any, settings: Any) -> _Result:
    """Send one push (no database here: this runs in the send threads); `now` is the clock's `now`.
    Status "retry" means a transient failure, resolved into a backoff or a dead letter by `_resolve`."""
    try:
        if item.kind not in TEXTS:
            return _Result("dead", error=f"unknown outbox kind {item.kind!r}")
        if not item.routes:
            return _Result("skipped", error=item.unreachable)
        moment = now()
        if item.lease_expires_at is not None and moment > item.lease_expires_at - SEND_BUDGET:
            log.warning("outbox %s: not sent, its lease is nearly over; released", item.id)
            return _Result("pending", error="released unsent: the round ran late", available_at=moment,
                           attempts=item.attempts - 1)
        channel = send_push(gateway, item.routes, item.kind, item.payload, now=moment, settings=settings)
        return _Result("sent", channel=channel)
    except WeChatPermanentError as exc:
        return _Result("dead", error=str(exc))
    except (WeChatTransientError, WeChatTokenError) as exc:
        return _Result("retry", error=str(exc))
    except Exception as exc:  # a bug must not lose the push or stop the round: retried, then dead-lettered
        log.exception("outbox %s (%s) failed unexpectedly", item.id, item.kind)
        return _Result("retry", error=f"{type(exc).__name__}: {exc}")


def _resolve(uow: UnitOfWork, item: Claimed, result: _Result, max_attempts: int, rng: random.Random) -> _Result:
    """A transient failure becomes a jittered backoff, or a dead letter after the last attempt."""
    if result.status != "retry":
        return result
    if item.attempts >= max_attempts:
        return _Result("dead", error=f"gave up after {item.attempts} attempts; last: {result.error}")
    ceiling = min(BACKOFF_BASE * 2 ** (item.attempts - 1), BACKOFF_CAP)
    delay = ceiling / 2 + ceiling / 2 * rng.random()  # "equal jitter": spread out, never immediate
    return _Result("pending", error=result.error, available_at=uow.clock.now() + delay)


def _fetch_media(uow: UnitOfWork, gateway: WeChatGateway, item: Claimed) -> str:
    missing = [key for key in ("case_id", "media_id", "reporter_id") if not item.payload.get(key)]
    if missing or item.payload.get("kind", "image") != "image":
        return _finish(uow, item, _Result("dead", error=f"fetch_media needs an image with {missing or 'kind image'}"))
    data = gateway.download_media(str(item.payload["media_id"]))
    try:
        with uow.transaction():
            attachment = attachments.store_image(uow, data)
            cases.add_case_info(uow, actor_id=int(item.payload["reporter_id"]), case_id=int(item.payload["case_id"]),
                                attachment_ids=[attachment.id])
            if _finish(uow, item, _Result("sent", channel="media")) == "fenced":
                raise _Outcome  # another dispatcher owns the row now: leave the attaching to it
    except _Outcome:
        return "fenced"
    except DomainError as exc:  # not an image, case closed meanwhile ...: retrying cannot help
        return _finish(uow, item, _Result("dead", error=f"{exc.code}: {exc.message}"))
    return "sent"


def _finish(uow: UnitOfWork, item: Claimed, result: _Result) -> str:
    """Record one row's outcome (joining the caller's transaction if one is open)."""
    return _record(uow, [(item, result)])[0]


def _record(uow: UnitOfWork, outcomes: Sequence[tuple[Claimed, _Result]]) -> list[str]:
    """Record outcomes in one transaction where this dispatcher still owns the row; 'fenced' where it
    does not. Returns each row's label (sent, retry, dead, skipped, fenced) in order."""
    if not outcomes:
        return []
    with uow.transaction() as session:
        connection = session.connection()
        # Lock the rows still leased to us, so nobody can take them over between this and the UPDATE
        # (SQLite: the BEGIN IMMEDIATE transaction already holds the write lock). This tells which rows
        # are fenced without trusting an executemany's rowcount.
        ids = sorted({item.id for item, _ in outcomes})
        query = (select(_outbox.c.id, _outbox.c.attempts)
                 .where(_outbox.c.id.in_(ids), _outbox.c.status == "sending").order_by(_outbox.c.id))
        if connection.dialect.name == "postgresql":
            query = query.with_for_update()
        leased = dict(connection.execute(query).all())
        now = uow.clock.now()
        owned = [(item, result) for item, result in outcomes if leased.get(item.id) == item.attempts]
        if owned:
            written = connection.execute(_RECORD, [
                {"b_id": item.id, "b_fence": item.attempts, "b_status": result.status,
                 "b_attempts": item.attempts if result.attempts is None else result.attempts,
                 "b_error": result.error, "b_channel": result.channel,
                 "b_sent_at": now if result.status == "sent" else None, "b_available_at": result.available_at}
                for item, result in owned]).rowcount
            if written not in (-1, len(owned)):  # the rows are locked: this cannot happen
                raise RuntimeError(f"outbox: recorded {written} of {len(owned)} locked rows")
    labels = []
    for item, result in outcomes:
        if leased.get(item.id) == item.attempts:
            labels.append(result.label)
        else:
            log.warning("outbox %s: lease lost before recording %s", item.id, result.status)
            labels.append("fenced")
    return labels


def retry_dead(uow: UnitOfWork, *, outbox_id: int) -> OutboxMessage:
    """Staff send a dead-lettered (or skipped) push again: it becomes pending now with fresh attempts."""
    with uow.transaction() as session:
        row = session.get(OutboxMessage, outbox_id)
        if row is None:
            raise NotFoundError("找不到该推送")
        if row.status not in ("dead", "skipped"):
            raise ValidationError("只能重试发送失败或被跳过的推送", details={"status": row.status})
        row.status, row.attempts, row.available_at, row.lease_expires_at = "pending", 0, uow.clock.now(), None
        session.flush()
        return row


def list_failed_pushes(uow: UnitOfWork, *, limit: int = 100) -> list[OutboxMessage]:
    """Dead-lettered and skipped pushes, newest first, for the staff console."""
    with uow.transaction() as session:
        query = (select(OutboxMessage).where(OutboxMessage.status.in_(("dead", "skipped")))
                 .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc()).limit(limit))
        rows = list(session.scalars(query))
        session.expunge_all()
        return rows
