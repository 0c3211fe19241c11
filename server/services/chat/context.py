"""The state of one inbound message while it is handled: who sent it, in which transaction, and the reply."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from server.models import Person, WechatIdentity

from .. import people
from ..uow import UnitOfWork

T = TypeVar("T")


@dataclass
class Reply:
    """What the bot answers, the case the message touched, and whether the message waits for a text."""

    text: str
    case_id: int | None = None
    pending: bool = False


@dataclass
class Chat:
    uow: UnitOfWork
    session: Session
    now: datetime
    message: dict[str, Any]
    inbound_id: int
    _identity: WechatIdentity | None = field(default=None, repr=False)

    @property
    def openid(self) -> str:
        return self.message["openid"]

    @property
    def identity(self) -> WechatIdentity:
        if self._identity is None:
            self._identity = people.find_or_create_resident(self.uow, openid=self.openid)
        return self._identity

    @property
    def person(self) -> Person:
        person = self.session.get(Person, self.identity.person_id)
        assert person is not None  # the identity's foreign key guarantees it
        return person

    def attempt(self, service: Callable[..., T], /, **kwargs: Any) -> T:
        """Call a service inside a savepoint: a DomainError undoes only that call, and the message
        is still recorded (with the error's words as the reply)."""
        with self.session.begin_nested():
            return service(self.uow, **kwargs)
