"""What the hall services share: loading rows with a lock, text checks, the audit log, push audiences."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, union
from sqlalchemy.orm import Session

from server.core.errors import NotFoundError, ValidationError
from server.halls.models import Opinion, Support, Topic, TopicEvent, TopicSubscription
from server.halls.rules import MAX_NOTE, TopicAction
from server.people.models import Person
from server.people.rules import Actor, Role
from server.pushes import notifications


def lock_topic(session: Session, topic_id: int) -> Topic:
    # FOR UPDATE serialises competing changes on PostgreSQL; SQLite's BEGIN IMMEDIATE does it there.
    topic = session.get(Topic, topic_id, with_for_update=True, populate_existing=True)
    if topic is None:
        raise NotFoundError("找不到该议题", details={"topic_id": topic_id})
    return topic


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


def clean_text(value: str | None, *, field: str, limit: int = MAX_NOTE, required: bool = True) -> str | None:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError(f"请填写{field}", details={"field": field})
    if len(value) > limit:
        raise ValidationError(f"{field}不能超过 {limit} 字（现在 {len(value)} 字）",
                              details={"field": field, "limit": limit, "length": len(value)})
    return value or None


def record(session: Session, topic: Topic, action: TopicAction, actor: Actor, now: datetime, *,
           opinion_id: int | None = None, note: str | None = None,
           data: dict[str, Any] | None = None) -> TopicEvent:
    event = TopicEvent(topic_id=topic.id, opinion_id=opinion_id, action=action.value, actor_id=actor.person_id,
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
    query = select(Person.id).where(Person.is_active.is_(True)) .where(
        Person.id.in_(opted_in) | ((Person.role == Role.council_member) & (Person.street_id == street_id)))
    return list(session.scalars(query.order_by(Person.id)))


def push(session: Session, kind: str, topic: Topic, people: list[int], now: datetime, *,
         key: str, payload: dict[str, Any] | None = None) -> int:
    """One outbox row per person; `key` makes a retried sweep or request never push twice."""
    body = {"topic_id": topic.id, "topic_title": topic.title, **(payload or {})}
    for person_id in people:
        notifications.enqueue(session, kind=kind, recipient_id=person_id, now=now, payload=body,
                              dedupe_key=f"{kind}:{topic.id}:{person_id}:{key}")
    return len(people)
