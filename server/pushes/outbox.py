"""Leasing outbox rows: claim the due ones under a lease, record how each ended, fenced by that lease.

Two consumers share the outbox table and these guarantees: the push dispatcher (`dispatch.py`, every
kind but `fetch_media`) and the chat's media job (`server.chat.media`, `fetch_media` only). Safe with
any number of processes on any number of hosts:
- a claim is one statement — `UPDATE … SET status 'sending', a lease, attempts + 1 WHERE id IN
  (SELECT id … LIMIT n [FOR UPDATE SKIP LOCKED]) RETURNING …` over `pending` rows whose
  `available_at` has come and `sending` rows whose lease has expired (their process died). SKIP
  LOCKED shares the rows between claimers on PostgreSQL; SQLite's BEGIN IMMEDIATE serialises them. A
  row out of attempts whose last lease ran out is dead-lettered by the same statement;
- an outcome is written only while the row is still leased to the claim that took it: the rows are
  locked (`SELECT … FOR UPDATE`: status `sending` and `attempts` as claimed), then one executemany
  UPDATE, fenced by the same condition, writes them. A row whose lease was taken over meanwhile is
  `fenced`: its new owner's result stands.
"""
from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Integer,
    String,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    type_coerce,
    update,
)
from sqlalchemy.orm import Session

from server.core.db import UTCDateTime
from server.core.uow import UnitOfWork
from server.pushes.models import OutboxMessage
from server.pushes.states import Channel, OutboxKind, OutboxStatus

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
# 12 tries with the backoff below span 2.5 to 5 hours: a push outlives an hour-long WeChat outage
# (with 8 it was dead after 32 to 63 minutes; tests/ops/test_wechat_outage.py).
MAX_ATTEMPTS = 12
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=1)

_outbox = OutboxMessage.__table__

# Recording outcomes, one executemany: fenced by status and the attempts the claim took.
_RECORD = (update(_outbox)
           .where(_outbox.c.id == bindparam("b_id"), _outbox.c.status == OutboxStatus.sending,
                  _outbox.c.attempts == bindparam("b_fence"))
           .values(status=bindparam("b_status"), attempts=bindparam("b_attempts"), lease_expires_at=None,
                   last_error=bindparam("b_error", type_=String()),
                   channel=func.coalesce(bindparam("b_channel", type_=_outbox.c.channel.type), _outbox.c.channel),
                   sent_at=func.coalesce(bindparam("b_sent_at", type_=UTCDateTime()), _outbox.c.sent_at),
                   available_at=func.coalesce(bindparam("b_available_at", type_=UTCDateTime()),
                                              _outbox.c.available_at)))


def _claim_statement(*, skip_locked: bool, media: bool) -> Any:
    """The claim (built once per dialect and consumer): lease the due rows, dead-letter the spent ones."""
    now = bindparam("b_now", type_=UTCDateTime())
    due = or_(and_(_outbox.c.status == OutboxStatus.pending, _outbox.c.available_at <= now),
              and_(_outbox.c.status == OutboxStatus.sending, _outbox.c.lease_expires_at < now))
    mine = _outbox.c.kind == OutboxKind.fetch_media if media else _outbox.c.kind != OutboxKind.fetch_media
    pick = (select(_outbox.c.id).where(due, mine).order_by(_outbox.c.available_at, _outbox.c.id)
            .limit(bindparam("b_limit", type_=Integer())))
    if skip_locked:
        pick = pick.with_for_update(skip_locked=True)
    spent = _outbox.c.attempts >= bindparam("b_max_attempts", type_=Integer())  # a claimer died on it each time
    gave_up = (literal("gave up after ") + cast(_outbox.c.attempts, String) + " attempts (lease expired); "
               + func.coalesce(_outbox.c.last_error, ""))
    return (update(_outbox).where(_outbox.c.id.in_(pick.scalar_subquery()))
            .values(status=case((spent, OutboxStatus.dead), else_=OutboxStatus.sending),
                    lease_expires_at=case((spent, null()), else_=bindparam("b_lease", type_=UTCDateTime())),
                    attempts=case((spent, _outbox.c.attempts), else_=_outbox.c.attempts + 1),
                    last_error=case((spent, gave_up), else_=_outbox.c.last_error))
            # The kind as stored, not as this release's enum: a row of a kind it does not know (written
            # by a newer release) is dead-lettered by the dispatcher instead of failing the whole round.
            .returning(_outbox.c.id, _outbox.c.status, _outbox.c.attempts,
                       type_coerce(_outbox.c.kind, String).label("kind"), _outbox.c.payload,
                       _outbox.c.recipient_id, _outbox.c.available_at))


_CLAIM = {(skip_locked, media): _claim_statement(skip_locked=skip_locked, media=media)
          for skip_locked in (True, False) for media in (True, False)}


@dataclass(frozen=True)
class Lease:
    """A row claimed by one consumer until `lease_expires_at`."""

    id: int
    attempts: int  # after this claim; fences the outcome against a later claimer
    kind: str
    payload: dict[str, Any]
    recipient_id: int | None = None
    lease_expires_at: datetime | None = None


@dataclass(frozen=True)
class Outcome:
    """How one row ended, before it is recorded: status sent | pending | dead | skipped, or `retry` (a
    transient failure that `settle` turns into a backoff or a dead letter)."""

    status: str
    error: str | None = None
    channel: Channel | None = None
    available_at: datetime | None = None
    attempts: int | None = None  # None: as claimed; a released row gives its attempt back

    @property
    def label(self) -> str:
        return "retry" if self.status == OutboxStatus.pending else str(self.status)


def claim(session: Session, now: datetime, *, limit: int, max_attempts: int = MAX_ATTEMPTS,
          media: bool = False) -> tuple[list[Lease], int]:
    """Lease up to `limit` due rows — `fetch_media` ones if `media`, else pushes — in the caller's
    transaction, oldest first; returns (leases, how many rows were dead-lettered instead)."""
    connection = session.connection()
    statement = _CLAIM[(connection.dialect.name == "postgresql", media)]
    params = {"b_now": now, "b_lease": now + LEASE, "b_limit": limit, "b_max_attempts": max_attempts}
    rows = sorted(connection.execute(statement, params).all(), key=lambda row: (row.available_at, row.id))
    leases = [Lease(row.id, row.attempts, row.kind, dict(row.payload or {}), row.recipient_id, now + LEASE)
              for row in rows if row.status == OutboxStatus.sending]
    return leases, len(rows) - len(leases)


def settle(lease: Lease, outcome: Outcome, *, now: datetime, max_attempts: int,
           rng: random.Random) -> Outcome:
    """A transient failure (`retry`) becomes a jittered backoff, or a dead letter after the last attempt."""
    if outcome.status != "retry":
        return outcome
    if lease.attempts >= max_attempts:
        return Outcome(OutboxStatus.dead, error=f"gave up after {lease.attempts} attempts; last: {outcome.error}")
    ceiling = min(BACKOFF_BASE * 2 ** (lease.attempts - 1), BACKOFF_CAP)
    delay = ceiling / 2 + ceiling / 2 * rng.random()  # "equal jitter": spread out, never immediate
    return Outcome(OutboxStatus.pending, error=outcome.error, available_at=now + delay)


def record(uow: UnitOfWork, outcomes: Sequence[tuple[Lease, Outcome]]) -> list[str]:
    """Record outcomes in one transaction (joining the caller's, if open) where the row is still leased
    to the claim that took it; 'fenced' where it is not. Returns each row's label (sent, retry, dead,
    skipped, fenced) in order."""
    if not outcomes:
        return []
    with uow.transaction() as session:
        connection = session.connection()
        # Lock the rows still leased to us, so nobody can take them over between this and the UPDATE
        # (SQLite: the BEGIN IMMEDIATE transaction already holds the write lock). This tells which rows
        # are fenced without trusting an executemany's rowcount.
        ids = sorted({lease.id for lease, _ in outcomes})
        query = (select(_outbox.c.id, _outbox.c.attempts)
                 .where(_outbox.c.id.in_(ids), _outbox.c.status == OutboxStatus.sending).order_by(_outbox.c.id))
        if connection.dialect.name == "postgresql":
            query = query.with_for_update()
        leased = dict(connection.execute(query).all())
        now = uow.clock.now()
        owned = [(lease, outcome) for lease, outcome in outcomes if leased.get(lease.id) == lease.attempts]
        if owned:
            written = connection.execute(_RECORD, [
                {"b_id": lease.id, "b_fence": lease.attempts, "b_status": outcome.status,
                 "b_attempts": lease.attempts if outcome.attempts is None else outcome.attempts,
                 "b_error": outcome.error, "b_channel": outcome.channel,
                 "b_sent_at": now if outcome.status == OutboxStatus.sent else None,
                 "b_available_at": outcome.available_at}
                for lease, outcome in owned]).rowcount
            if written not in (-1, len(owned)):  # the rows are locked: this cannot happen
                raise RuntimeError(f"outbox: recorded {written} of {len(owned)} locked rows")
    labels = []
    for lease, outcome in outcomes:
        if leased.get(lease.id) == lease.attempts:
            labels.append(outcome.label)
        else:
            log.warning("outbox %s: lease lost before recording %s", lease.id, outcome.status)
            labels.append("fenced")
    return labels
