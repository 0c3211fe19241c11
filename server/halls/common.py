"""What only the halls' commands share: their rows (locked where they change), their audit log and
their audiences. Row locks, text checks and the outbox are the platform's (server.core.db.lock_row,
server.core.text.clean_text, server.pushes.notifications)."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select, union
from sqlalchemy.orm import Session

from server.core.db import lock_row
from server.core.errors import NotFoundError
from server.halls.models import Opinion, Support, Topic, TopicEvent, TopicSubscription
from server.halls.rules import TopicAction
from server.people.models import Person
from server.people.rules import Actor, Role
from server.pushes import notifications
from server.pushes.states import OutboxKind


def lock_topic(session: Session, topic_id: int) -> Topic:
    return lock_row(session, Topic, topic_id, missing="找不到该议题", details={"topic_id": topic_id})


def get_opinion(session: Session, opinion_id: int) -> Opinion:
    opinion = session.get(Opinion, opinion_id)
    if opinion is None:
        raise NotFoundError("找不到该意见", details={"opinion_id": opinion_id})
    return opinion


def load_person(session: Session, person_id: int | None) -> Person:
    person = session.get(Person, person_id) if person_id is not None else None
    if person is None or not person.is_active:
        raise NotFoundError("账号不存在或已停用")
    return person


def record_event(session: Session, topic: Topic, action: TopicAction, actor: Actor, now: datetime, *,
                 opinion_id: int | None = None, note: str | None = None,
                 data: dict[str, Any] | None = None) -> TopicEvent:
    """The next entry of the topic's audit log, shaped like the case engine's `record_event`."""
    event = TopicEvent(topic_id=topic.id, opinion_id=opinion_id, action=action, actor_id=actor.person_id,
                       actor_role=actor.role, note=note, data=data or {}, created_at=now)
    session.add(event)
    return event


def participant_ids(session: Session, topic_id: int) -> list[int]:
    """Everyone who posted an opinion in the topic or supported one."""
    authors = select(Opinion.author_id.label("person_id")).where(Opinion.topic_id == topic_id)
    supporters = (select(Support.person_id.label("person_id"))
                  .join(Opinion, Opinion.id == Support.opinion_id).where(Opinion.topic_id == topic_id))
    return sorted(session.scalars(select(union(authors, supporters).subquery().c.person_id)))


def street_audience_ids(session: Session, street_id: int) -> list[int]:
    """Residents who opted in to the street's halls, and the street's council members."""
    opted_in = select(TopicSubscription.person_id).where(TopicSubscription.street_id == street_id)
    query = select(Person.id).where(Person.is_active.is_(True)).where(
        Person.id.in_(opted_in) | ((Person.role == Role.council_member) & (Person.street_id == street_id)))
    return list(session.scalars(query.order_by(Person.id)))


def push_about(session: Session, topic: Topic, people: Iterable[int], now: datetime, *, kind: OutboxKind,
               key: str, payload: dict[str, Any] | None = None) -> int:
    """The same push about `topic` to each of `people`; `key` makes a retried sweep or request push
    nobody twice."""
    return notifications.push_to(session, people, kind=kind, now=now, subject_id=topic.id, dedupe=key,
                                 payload={"topic_id": topic.id, "topic_title": topic.title, **(payload or {})})
