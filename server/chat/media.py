"""Photos sent by chat, fetched from WeChat in the background: a resident's join their case (`report`
photos); a handling unit's sent within 10 minutes after its 办结 join that result (`feedback` photos).

WeChat waits 5 seconds for the bot's reply, too short to download a photo, so the bot writes an outbox
row of kind `fetch_media` (`queue_photo`) in the transaction that handles the message. This job claims
those rows itself, under the outbox's leases (`server.pushes.outbox`; the push dispatcher never takes
them), and per row downloads the photo, then stores it, adds it to the case and marks the row sent in
ONE transaction fenced by the lease: with any number of schedulers a photo is attached once.
"""
from __future__ import annotations

import logging
import random
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.cases import service as cases
from server.cases.models import Case, CaseEvent
from server.cases.states import CaseAction, CaseState
from server.chat.context import JOIN_WINDOW
from server.core.errors import DomainError
from server.core.uow import UnitOfWork
from server.files import service as files
from server.pushes import notifications, outbox
from server.pushes.outbox import MAX_ATTEMPTS, Lease, Outcome
from server.pushes.states import Channel, OutboxKind, OutboxStatus
from server.wechat import WeChatGateway, WeChatPermanentError, WeChatTokenError, WeChatTransientError

log = logging.getLogger(__name__)

FETCH_LIMIT = 20  # photos per run: each is a download of up to a few seconds, one after another
FETCH_BUDGET = timedelta(minutes=1)  # lease that must be left to start a download
SUMMARY_KEYS = ("claimed", "sent", "retry", "dead", "fenced")
FEEDBACK = "feedback"  # payload purpose: a unit's photo of the result, not a resident's of the problem


class _Fenced(Exception):
    """Another claimer owns the row now: roll the attaching back and leave it to them."""


def queue_photo(session: Session, *, case: Case, payload: dict[str, Any], inbound_id: int, now: datetime) -> None:
    """Ask for the photo of an inbound image message to be fetched and attached to `case`; once per message."""
    notifications.enqueue(session, kind=OutboxKind.fetch_media, recipient_id=None, now=now, case_id=case.id,
                          dedupe_key=f"fetch_media:{inbound_id}",
                          payload={"case_id": case.id, "media_id": payload.get("media_id"),
                                   "pic_url": payload.get("pic_url"), "reporter_id": case.reporter_id,
                                   "kind": "image"})


def queue_feedback_photo(session: Session, *, case: Case, unit_person_id: int, payload: dict[str, Any],
                         inbound_id: int, now: datetime) -> None:
    """Ask for a unit's photo to be fetched and added to the result of `case`, which that unit resolved."""
    notifications.enqueue(session, kind=OutboxKind.fetch_media, recipient_id=None, now=now, case_id=case.id,
                          dedupe_key=f"fetch_media:{inbound_id}",
                          payload={"case_id": case.id, "media_id": payload.get("media_id"),
                                   "pic_url": payload.get("pic_url"), "unit_person_id": unit_person_id,
                                   "kind": "image", "purpose": FEEDBACK})


def recent_resolution(session: Session, *, staff_id: int, now: datetime) -> Case | None:
    """The case this staff member resolved (办结) in the last JOIN_WINDOW and that is still resolved."""
    case_id = session.scalar(
        select(CaseEvent.case_id).where(CaseEvent.actor_id == staff_id, CaseEvent.action == CaseAction.resolve,
                                        CaseEvent.created_at >= now - JOIN_WINDOW)
        .order_by(CaseEvent.created_at.desc(), CaseEvent.id.desc()).limit(1))
    case = session.get(Case, case_id) if case_id is not None else None
    return case if case is not None and case.state == CaseState.resolved else None


def fetch_due_media(uow: UnitOfWork, gateway: WeChatGateway, *, limit: int = FETCH_LIMIT,
                    max_attempts: int = MAX_ATTEMPTS, rng: random.Random | None = None) -> dict[str, int]:
    """Fetch and attach up to `limit` queued photos; returns counts by outcome (claimed, sent, retry,
    dead, fenced). Safe to run in any number of processes at once."""
    rng = rng or random.Random()
    summary: Counter[str] = Counter()
    with uow.transaction() as session:
        leases, spent = outbox.claim(session, uow.clock.now(), limit=limit, max_attempts=max_attempts, media=True)
    summary["claimed"], summary["dead"] = len(leases), spent
    for lease in leases:
        summary[fetch_claimed(uow, gateway, lease, max_attempts=max_attempts, rng=rng)] += 1
    if summary["claimed"] or spent:
        log.info("media round: %s", dict(summary))
    return {key: summary.get(key, 0) for key in SUMMARY_KEYS}


def fetch_claimed(uow: UnitOfWork, gateway: WeChatGateway, lease: Lease, *, max_attempts: int = MAX_ATTEMPTS,
                  rng: random.Random | None = None) -> str:
    """Fetch one claimed photo and record how it ended: sent, retry, dead, or fenced (lease lost)."""
    try:
        return _fetch(uow, gateway, lease)
    except WeChatPermanentError as exc:
        return _finish(uow, lease, Outcome(OutboxStatus.dead, error=str(exc)))
    except (WeChatTransientError, WeChatTokenError) as exc:
        outcome = Outcome("retry", error=str(exc))
    except Exception as exc:  # a bug must not lose the row or stop the round: retried, then dead-lettered
        log.exception("outbox %s (fetch_media) failed unexpectedly", lease.id)
        outcome = Outcome("retry", error=f"{type(exc).__name__}: {exc}")
    return _finish(uow, lease, outbox.settle(lease, outcome, now=uow.clock.now(), max_attempts=max_attempts,
                                             rng=rng or random.Random()))


def _fetch(uow: UnitOfWork, gateway: WeChatGateway, lease: Lease) -> str:
    payload = lease.payload
    feedback = payload.get("purpose") == FEEDBACK
    actor_key = "unit_person_id" if feedback else "reporter_id"
    missing = [key for key in ("case_id", "media_id", actor_key) if not payload.get(key)]
    if missing or payload.get("kind", "image") != "image":
        return _finish(uow, lease, Outcome(OutboxStatus.dead,
                                           error=f"fetch_media needs an image with {missing or 'kind image'}"))
    now = uow.clock.now()
    if lease.lease_expires_at is not None and now > lease.lease_expires_at - FETCH_BUDGET:
        # The round ran late: a download now could outlive the lease and another job would fetch it again.
        return _finish(uow, lease, Outcome(OutboxStatus.pending, error="released unfetched: the round ran late",
                                           available_at=now, attempts=lease.attempts - 1))
    data = gateway.download_media(str(payload["media_id"]))
    try:
        with uow.transaction():
            attachment = files.store_image(uow, data)
            attach = cases.add_feedback_photos if feedback else cases.add_case_info
            attach(uow, actor_id=int(payload[actor_key]), case_id=int(payload["case_id"]),
                   attachment_ids=[attachment.id])
            if _finish(uow, lease, Outcome(OutboxStatus.sent, channel=Channel.media)) == "fenced":
                raise _Fenced
    except _Fenced:
        return "fenced"
    except DomainError as exc:  # not an image, case closed meanwhile ...: retrying cannot help
        return _finish(uow, lease, Outcome(OutboxStatus.dead, error=f"{exc.code}: {exc.message}"))
    return "sent"


def _finish(uow: UnitOfWork, lease: Lease, outcome: Outcome) -> str:
    """Record one row's outcome (joining the caller's transaction if one is open)."""
    return outbox.record(uow, [(lease, outcome)])[0]
