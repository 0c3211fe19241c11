"""One inbound WeChat message or event -> exactly one effect and one stored reply, whatever the retries."""
from __future__ import annotations

import hashlib
from functools import cache
from typing import Any

from sqlalchemy import Insert, Update, bindparam, select, update
from sqlalchemy.orm import Session

from server.chat import events, reports, texts, words
from server.chat.context import Chat, Reply
from server.chat.models import InboundMessage
from server.core.db import insert_for
from server.core.uow import UnitOfWork
from server.people import service as people

PAYLOAD_FIELDS = ("content", "media_id", "pic_url", "recognition", "format", "location_x", "location_y",
                  "scale", "label", "title", "url", "event", "event_key")
# Events after which WeChat opens the 48-hour customer-service window (the user did something).
ACTIVE_EVENTS = frozenset({"subscribe", "subscribe_scan", "scan", "click", "view"})


def dedupe_key(message: dict[str, Any]) -> str:
    """MsgId for messages; sender + CreateTime + event for events (they carry no MsgId). The event's
    key (menu item, QR scene) is added, hashed, so two different clicks in one second both count."""
    if message["msg_type"] != "event" and message.get("msg_id"):
        return f"msg:{message['msg_id']}"
    key = f"evt:{message['openid']}:{message['create_time']}:{(message.get('event') or '')[:24]}"
    if message.get("event_key"):
        key += ":" + hashlib.sha1(message["event_key"].encode()).hexdigest()[:12]
    return key


@cache
def _claim_statement(dialect: str) -> Insert:
    # Built once; the row goes in as parameters (no per-message statement building).
    insert = insert_for(dialect)
    table = InboundMessage.__table__
    return insert(table).on_conflict_do_nothing(index_elements=[table.c.dedupe_key]).returning(table.c.id)


@cache
def _record_reply_statement() -> Update:
    # Built once: the SET clause comes from the parameters' names.
    table = InboundMessage.__table__
    return update(table).where(table.c.id == bindparam("inbound_id"))


def _claim(session: Session, key: str, message: dict[str, Any], now) -> int | None:
    """Insert the message's row; None when it was there already (a retry). The unique key decides,
    so concurrent retries in several processes wait for the first and then see its reply."""
    payload = {name: message[name] for name in PAYLOAD_FIELDS if message.get(name) not in (None, "")}
    row = dict(dedupe_key=key, openid=message["openid"], msg_type=message["msg_type"], received_at=now,
               payload=payload, pending=False)
    return session.execute(_claim_statement(session.get_bind().dialect.name), row).scalar_one_or_none()


def handle_inbound(uow: UnitOfWork, message: dict[str, Any]) -> str:
    """Record a parsed WeChat message and act on it in one transaction; return the reply text.

    `message` is the plain dict the webhook builds (msg_type, openid, create_time, msg_id, event,
    content, media_id, ...). A retry of a message already handled changes nothing and gets the
    stored reply. An empty reply means "nothing to say" (the webhook answers `success`).
    """
    with uow.transaction() as session:
        now = uow.clock.now()
        key = dedupe_key(message)
        inbound_id = _claim(session, key, message, now)
        if inbound_id is None:
            return session.scalar(select(InboundMessage.reply).where(InboundMessage.dedupe_key == key)) or ""
        chat = Chat(uow=uow, session=session, now=now, message=message, inbound_id=inbound_id)
        if message["msg_type"] != "event" or message.get("event") in ACTIVE_EVENTS:
            people.note_message(session, chat.identity, now)
        reply = _route(chat)
        session.execute(_record_reply_statement(), {"inbound_id": inbound_id, "reply": reply.text,
                                                    "case_id": reply.case_id, "pending": reply.pending,
                                                    "reply_choices": reply.choices})
        return reply.text


def _route(chat: Chat) -> Reply:
    kind = chat.message["msg_type"]
    if kind == "event":
        return events.handle_event(chat)
    if kind == "text":
        return words.handle_text(chat, chat.message.get("content") or "")
    if kind == "voice":
        return words.handle_voice(chat)
    if kind == "image":
        return reports.handle_photo(chat)
    if kind == "location":
        return reports.handle_location(chat)
    return Reply(texts.UNSUPPORTED)
