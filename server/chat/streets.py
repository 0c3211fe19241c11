"""A resident's street: asked once, before their first case (cases belong to a street's deputies).

A resident without a street who reports a problem is asked which street they live in; their text
waits (a pending inbound row) and becomes the case as soon as they answer with a number or a name.
A `street:<id>` QR scene sets the street without asking.
"""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from server.chat import texts
from server.chat.context import Chat, Reply
from server.chat.models import InboundMessage
from server.core.errors import DomainError
from server.people import service as people
from server.places.models import Street

WAIT_FOR_ANSWER = timedelta(days=1)


def street_choices(streets: list[Street]) -> str:
    return "\n".join(f"{number}. {street.name}" for number, street in enumerate(streets, start=1))


def ask_street(chat: Chat) -> Reply:
    """Keep the text (pending) and ask for the street."""
    return Reply(texts.ASK_STREET.format(choices=street_choices(people.list_streets(chat.uow))), pending=True)


def match_street(streets: list[Street], answer: str) -> Street | None:
    """`2`, `湖滨街道`, `湖滨` or `hubin` all name a street."""
    answer = re.sub(r"[\s。.,，!！]", "", answer)
    if answer.isdigit():
        number = int(answer)
        return streets[number - 1] if 1 <= number <= len(streets) else None
    for street in streets:
        short = street.name.removesuffix("街道")
        if answer in (street.name, short, street.code) or (len(answer) <= 8 and short and short in answer):
            return street
    return None


def street_named_in(streets: list[Street], text: str) -> Street | None:
    """The one street a report names ("清波街道…", or "清波…" when no other street's name is in it)."""
    full = [street for street in streets if street.name in text]
    if len(full) == 1:
        return full[0]
    short = [street for street in streets
             if len(street.name.removesuffix("街道")) >= 2 and street.name.removesuffix("街道") in text]
    return short[0] if len(short) == 1 and not full else None


def waiting_texts(chat: Chat) -> list[InboundMessage]:
    return list(chat.session.scalars(
        select(InboundMessage).where(InboundMessage.openid == chat.openid, InboundMessage.pending.is_(True),
                                     InboundMessage.msg_type.in_(("text", "voice")),
                                     InboundMessage.received_at >= chat.now - WAIT_FOR_ANSWER)
        .order_by(InboundMessage.id)))


def set_street_by_scene(chat: Chat, value: str) -> Reply:
    """`street:<id>` (or `street:<code>`) from a QR poster sets the resident's street."""
    street = (chat.session.get(Street, int(value)) if value.isdigit()
              else chat.session.scalar(select(Street).where(Street.code == value)))
    if street is None:
        return Reply(texts.HELP)
    try:
        chat.attempt(people.set_resident_street, person_id=chat.person.id, street_id=street.id)
    except DomainError as exc:
        return Reply(exc.message)
    return Reply(texts.STREET_SET.format(street=street.name) + texts.REPORT_HINT)
