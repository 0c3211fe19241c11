"""The outbox dispatcher: sends what the services wrote to the outbox, through the WeChat gateway.

One round (`dispatch_due`):
1. claim due rows in one short transaction — `pending` rows whose `available_at` has come, and
   `sending` rows whose lease has expired (their dispatcher died) — with `FOR UPDATE SKIP LOCKED`
   on PostgreSQL (SQLite's BEGIN IMMEDIATE already serialises claimers), setting status `sending`,
   a lease, and `attempts + 1`;
2. send each claimed row OUTSIDE any transaction (WeChat may take seconds);
3. record the outcome in a second short transaction, fenced by `attempts` (a dispatcher whose
   lease was taken over does not overwrite the new owner's result):
   sent | retry later with exponential backoff and jitter (transient errors, a token refused
   after its one refresh, unexpected exceptions) | dead at once (permanent errors) | dead after
   `max_attempts` | skipped (the recipient has no reachable WeChat identity, is inactive or unknown:
   not a delivery failure, so it is not retried; staff see it next to the dead letters in
   `list_failed_pushes` and can `retry_dead` it once the person has bound WeChat).

Delivery is at-least-once, and that edge is real: if a dispatcher crashes (or loses its database)
after WeChat accepted a push but before step 3 commits, the row is claimed again when its lease
expires and the push is sent a second time. WeChat offers no idempotency key for these APIs, so
this cannot be closed from our side; it only happens on a crash within that window. The same holds
for a send that timed out: WeChat may have delivered it before we gave up waiting, and the retry
delivers it again. In the normal path every row is sent once: a claimed row is invisible to other
dispatchers until its lease ends, and the lease (LEASE, 2 minutes) is longer than the worst-case
send (a wait for another process's token refresh, two token fetches and up to four sends at the
gateway's 3-second timeouts: under a minute).

`fetch_media` rows are not pushes: the photo a resident sent is downloaded, stored and attached to
their case; the attachment and the row's `sent` mark commit together, so it is attached once.
"""
from __future__ import annotations

import logging
import random
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update

from server.adapters.wechat import WeChatGateway, WeChatPermanentError, WeChatTokenError, WeChatTransientError
from server.domain.errors import DomainError, NotFoundError, ValidationError
from server.models import OutboxMessage

from . import attachments, cases
from .push_channels import Route, routes_for, send_push
from .push_texts import TEXTS
from .uow import UnitOfWork

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 8
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=1)


@dataclass(frozen=True)
class Claimed:
    id: int
    attempts: int  # after this claim; fences the outcome against a later claimer
    kind: str
    payload: dict[str, Any]
    routes: list[Route]
    unreachable: str | None


class _Outcome(Exception):
    """How one row ended; raised inside the outcome transaction to roll back side effects if fenced off."""


def dispatch_due(uow: UnitOfWork, gateway: WeChatGateway, *, limit: int = 100,
                 max_attempts: int = MAX_ATTEMPTS, rng: random.Random | None = None) -> dict[str, int]:
    """Send up to `limit` due outbox rows; returns counts by outcome (claimed, sent, retry, dead, skipped,
    fenced). Safe to run in any number of processes at once."""
    rng = rng or random.Random()
    summary: Counter[str] = Counter()
    for item in claim_due(uow, limit=limit, max_attempts=max_attempts, summary=summary):
        summary["claimed"] += 1
        summary[send_claimed(uow, gateway, item, max_attempts, rng)] += 1
    if summary:
        log.info("outbox round: %s", dict(summary))
    return {key: summary.get(key, 0) for key in ("claimed", "sent", "retry", "dead", "skipped", "fenced")}


def claim_due(uow: UnitOfWork, *, limit: int, max_attempts: int = MAX_ATTEMPTS,
              summary: Counter[str] | None = None) -> list[Claimed]:
    """Take due rows for this dispatcher under a lease; rows out of attempts are dead-lettered instead."""
    with uow.transaction() as session:
        now = uow.clock.now()
        due = or_(and_(OutboxMessage.status == "pending", OutboxMessage.available_at <= now),
                  and_(OutboxMessage.status == "sending", OutboxMessage.lease_expires_at < now))
        query = select(OutboxMessage).where(due).order_by(OutboxMessage.available_at, OutboxMessage.id).limit(limit)
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        claimed = []
        for row in session.scalars(query):
            if row.attempts >= max_attempts:  # its last lease ran out: a dispatcher died on it each time
                row.status, row.lease_expires_at = "dead", None
                row.last_error = f"gave up after {row.attempts} attempts (lease expired); {row.last_error or ''}"
                if summary is not None:
                    summary["dead"] += 1
                continue
            row.status, row.lease_expires_at, row.attempts = "sending", now + LEASE, row.attempts + 1
            routes, unreachable = ([], None) if row.kind == "fetch_media" else routes_for(session, row.recipient_id, now)
            claimed.append(Claimed(row.id, row.attempts, row.kind, dict(row.payload or {}), routes, unreachable))
        return claimed


def send_claimed(uow: UnitOfWork, gateway: WeChatGateway, item: Claimed, max_attempts: int = MAX_ATTEMPTS,
                 rng: random.Random | None = None) -> str:
    """Send one claimed row and record how it ended: sent, retry, dead, skipped, or fenced (lease lost)."""
    rng = rng or random.Random()
    try:
        if item.kind == "fetch_media":
            return _fetch_media(uow, gateway, item)
        if item.kind not in TEXTS:
            return _finish(uow, item, "dead", error=f"unknown outbox kind {item.kind!r}")
        if not item.routes:
            return _finish(uow, item, "skipped", error=item.unreachable)
        channel = send_push(gateway, item.routes, item.kind, item.payload, now=uow.clock.now(), settings=uow.settings)
        return _finish(uow, item, "sent", channel=channel)
    except WeChatPermanentError as exc:
        return _finish(uow, item, "dead", error=str(exc))
    except (WeChatTransientError, WeChatTokenError) as exc:
        return _retry(uow, item, str(exc), max_attempts, rng)
    except Exception as exc:  # a bug must not lose the push or stop the round: retried, then dead-lettered
        log.exception("outbox %s (%s) failed unexpectedly", item.id, item.kind)
        return _retry(uow, item, f"{type(exc).__name__}: {exc}", max_attempts, rng)


def _fetch_media(uow: UnitOfWork, gateway: WeChatGateway, item: Claimed) -> str:
    missing = [key for key in ("case_id", "media_id", "reporter_id") if not item.payload.get(key)]
    if missing or item.payload.get("kind", "image") != "image":
        return _finish(uow, item, "dead", error=f"fetch_media needs an image with {missing or 'kind image'}")
    data = gateway.download_media(str(item.payload["media_id"]))
    try:
        with uow.transaction():
            attachment = attachments.store_image(uow, data)
            cases.add_case_info(uow, actor_id=int(item.payload["reporter_id"]), case_id=int(item.payload["case_id"]),
                                attachment_ids=[attachment.id])
            if _finish(uow, item, "sent", channel="media") == "fenced":
                raise _Outcome  # another dispatcher owns the row now: leave the attaching to it
    except _Outcome:
        return "fenced"
    except DomainError as exc:  # not an image, case closed meanwhile ...: retrying cannot help
        return _finish(uow, item, "dead", error=f"{exc.code}: {exc.message}")
    return "sent"


def _retry(uow: UnitOfWork, item: Claimed, error: str, max_attempts: int, rng: random.Random) -> str:
    if item.attempts >= max_attempts:
        return _finish(uow, item, "dead", error=f"gave up after {item.attempts} attempts; last: {error}")
    ceiling = min(BACKOFF_BASE * 2 ** (item.attempts - 1), BACKOFF_CAP)
    delay = ceiling / 2 + ceiling / 2 * rng.random()  # "equal jitter": spread out, never immediate
    return _finish(uow, item, "pending", error=error, available_at=uow.clock.now() + delay)


def _finish(uow: UnitOfWork, item: Claimed, status: str, *, error: str | None = None, channel: str | None = None,
            available_at: datetime | None = None) -> str:
    """Record the outcome if this dispatcher still owns the row; 'fenced' when it does not."""
    values: dict[str, Any] = {"status": status, "lease_expires_at": None, "last_error": error}
    if status == "sent":
        values.update(sent_at=uow.clock.now(), channel=channel)
    if available_at is not None:
        values["available_at"] = available_at
    with uow.transaction() as session:
        result = session.execute(update(OutboxMessage)
                                 .where(OutboxMessage.id == item.id, OutboxMessage.status == "sending",
                                        OutboxMessage.attempts == item.attempts)
                                 .values(**values).execution_options(synchronize_session=False))
        if result.rowcount != 1:
            log.warning("outbox %s: lease lost before recording %s", item.id, status)
            return "fenced"
    return "retry" if status == "pending" else status


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
