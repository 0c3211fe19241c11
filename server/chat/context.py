"""The state of one inbound message while it is handled: who sent it, in which transaction, and the reply."""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session, aliased

from server.chat.models import InboundMessage
from server.core.uow import UnitOfWork
from server.halls.models import HallPresence
from server.people import service as people
from server.people.models import Person, WechatIdentity

T = TypeVar("T")

# Photos and places sent without a text wait this long for the text that opens their case.
JOIN_WINDOW = timedelta(minutes=10)
# A bare number answers the list the previous reply showed, within this long.
CHOICE_WINDOW = timedelta(minutes=30)
MEDIA_KINDS = ("image", "location")


@dataclass(frozen=True)
class Sender:
    """Who sent the message, and what the conversation needs to know about them up front."""

    identity: WechatIdentity
    person: Person  # the human as a resident: their reports, ratings, opinions
    staff: Person | None  # the deputy's or staff account this WeChat user is bound to, if any
    has_hall_presence: bool  # entered a hall (the halls service decides whether it is still open)
    media_waiting: bool  # sent photos or a place in the last JOIN_WINDOW that wait for a text
    last_choices: dict[str, Any] | None = None  # the numbered list their previous message was answered with


@cache
def _sender_query() -> Select:
    # Built once; openid and the time window are parameters.
    in_hall = select(HallPresence.person_id).where(HallPresence.person_id == Person.id).exists()
    waiting = select(InboundMessage.id).where(
        InboundMessage.openid == WechatIdentity.openid, InboundMessage.pending.is_(True),
        InboundMessage.msg_type.in_(MEDIA_KINDS), InboundMessage.received_at >= bindparam("media_since")).exists()
    # The previous message's list, if recent (server.chat.choices): in the same statement, no extra round trip.
    previous = aliased(InboundMessage)
    previous_id = (select(func.max(InboundMessage.id))
                   .where(InboundMessage.openid == bindparam("openid"), InboundMessage.id < bindparam("inbound_id"))
                   .scalar_subquery())
    last_choices = (select(previous.reply_choices)
                    .where(previous.id == previous_id, previous.received_at >= bindparam("choices_since"))
                    .scalar_subquery())
    staff = aliased(Person)
    return (select(WechatIdentity, Person, staff, in_hall, waiting, last_choices)
            .join(Person, Person.id == WechatIdentity.person_id)
            .outerjoin(staff, staff.id == WechatIdentity.staff_person_id)
            .where(WechatIdentity.app == bindparam("app"), WechatIdentity.openid == bindparam("openid")))


def load_sender(uow: UnitOfWork, session: Session, openid: str, now: datetime, inbound_id: int) -> Sender:
    """One query for someone who wrote before; a first contact becomes a resident."""
    row = session.execute(_sender_query(), {"app": people.MP, "openid": openid, "inbound_id": inbound_id,
                                            "media_since": now - JOIN_WINDOW,
                                            "choices_since": now - CHOICE_WINDOW}).first()
    if row is not None:
        return Sender(*row)
    identity = people.find_or_create_resident(uow, openid=openid)
    person = session.get(Person, identity.person_id)
    assert person is not None  # the identity's foreign key guarantees it
    return Sender(identity, person, staff=None, has_hall_presence=False, media_waiting=False)


@dataclass
class Reply:
    """What the bot answers, the case the message touched, and whether the message waits for a text."""

    text: str
    case_id: int | None = None
    pending: bool = False
    choices: dict[str, Any] | None = None  # a numbered list in the reply: what a bare number picks next


@dataclass
class Chat:
    uow: UnitOfWork
    session: Session
    now: datetime
    message: dict[str, Any]
    inbound_id: int
    _sender: Sender | None = field(default=None, repr=False)

    @property
    def openid(self) -> str:
        return self.message["openid"]

    @property
    def sender(self) -> Sender:
        # Held here, not only in the session's (weak) identity map, so it is loaded once per message.
        if self._sender is None:
            self._sender = load_sender(self.uow, self.session, self.openid, self.now, self.inbound_id)
        elif (self._sender.staff.id if self._sender.staff else None) != self._sender.identity.staff_person_id:
            # bound to a staff account (绑定) while this message was handled
            staff = self.session.get(Person, self._sender.identity.staff_person_id)
            self._sender = dataclasses.replace(self._sender, staff=staff)
        return self._sender

    @property
    def identity(self) -> WechatIdentity:
        return self.sender.identity

    @property
    def person(self) -> Person:
        """The sender as a resident."""
        return self.sender.person

    @property
    def staff(self) -> Person | None:
        """The sender's deputy or staff account, when this WeChat user is bound to one."""
        if self.sender.staff is not None and self.sender.staff.is_active:
            return self.sender.staff
        return None

    def attempt(self, service: Callable[..., T], /, **kwargs: Any) -> T:
        """Call a service inside a savepoint: a DomainError undoes only that call, and the message
        is still recorded (with the error's words as the reply)."""
        with self.session.begin_nested():
            return service(self.uow, **kwargs)
