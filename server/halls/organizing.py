"""Read views for organisers (the console): a topic inside their scope, its audit log, its files, and
the organisers' actions across halls for the district's audit log."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select

from server.core.errors import NotFoundError
from server.core.uow import UnitOfWork
from server.files.models import Attachment
from server.halls.common import load_person
from server.halls.models import Opinion, OpinionAttachment, Topic, TopicAttachment, TopicEvent
from server.halls.rules import ACTION_LABELS, TopicAction, may_organize
from server.people.models import Person
from server.people.texts import ROLE_LABELS


def check_organizes(uow: UnitOfWork, *, viewer_id: int, topic_id: int) -> None:
    """NotFoundError unless the viewer organises this topic's street: another scope's hall is not there."""
    with uow.transaction() as session:
        viewer = load_person(session, viewer_id).as_actor()
        topic = session.get(Topic, topic_id)
        if topic is None or not may_organize(viewer, topic.street_id):
            raise NotFoundError("找不到该议题", details={"topic_id": topic_id})


def opinion_topic_id(uow: UnitOfWork, *, opinion_id: int) -> int | None:
    """The topic an opinion belongs to (None for an unknown opinion): pages check it against their address."""
    with uow.transaction() as session:
        return session.scalar(select(Opinion.topic_id).where(Opinion.id == opinion_id))


def topic_timeline(uow: UnitOfWork, *, topic_id: int, limit: int = 200) -> list[dict[str, Any]]:
    """The topic's audit log, newest first: who did what and when, with the note (a hide's reason...)."""
    with uow.transaction() as session:
        rows = session.execute(
            select(TopicEvent, Person.name).outerjoin(Person, Person.id == TopicEvent.actor_id)
            .where(TopicEvent.topic_id == topic_id).order_by(TopicEvent.id.desc()).limit(limit)).all()
        return [{"action": event.action.value, "action_label": ACTION_LABELS[event.action],
                 "actor_name": name or "系统", "actor_role_label": ROLE_LABELS[event.actor_role],
                 "opinion_id": event.opinion_id, "note": event.note, "data": dict(event.data or {}),
                 "created_at": event.created_at} for event, name in rows]


def topic_file(uow: UnitOfWork, *, topic_id: int, attachment_id: int) -> Attachment:
    """An attachment of the topic or of one of its opinions; NotFoundError for any other."""
    with uow.transaction() as session:
        of_topic = select(TopicAttachment.attachment_id).where(TopicAttachment.topic_id == topic_id)
        of_opinions = (select(OpinionAttachment.attachment_id)
                       .join(Opinion, Opinion.id == OpinionAttachment.opinion_id).where(Opinion.topic_id == topic_id))
        found = session.scalar(select(Attachment).where(
            Attachment.id == attachment_id, or_(Attachment.id.in_(of_topic), Attachment.id.in_(of_opinions))))
        if found is None:
            raise NotFoundError("找不到该附件", details={"attachment_id": attachment_id})
        session.expunge(found)
        return found


def _staff_query(actor_id: int | None, action: str | None, since: datetime | None, until: datetime | None):
    query = select(TopicEvent).where(TopicEvent.actor_id.is_not(None))
    if actor_id is not None:
        query = query.where(TopicEvent.actor_id == actor_id)
    if action is not None:
        query = query.where(TopicEvent.action == TopicAction(action))
    if since is not None:
        query = query.where(TopicEvent.created_at >= since)
    if until is not None:
        query = query.where(TopicEvent.created_at < until)
    return query


def staff_actions(uow: UnitOfWork, *, actor_id: int | None = None, action: str | None = None,
                  since: datetime | None = None, until: datetime | None = None,
                  limit: int = 50) -> tuple[int, list[dict[str, Any]]]:
    """Organisers' actions in every hall (newest first, at most `limit`) and how many match in all."""
    if action is not None and action not in TopicAction.__members__:
        return 0, []
    query = _staff_query(actor_id, action, since, until)
    with uow.transaction() as session:
        total = session.scalar(select(func.count()).select_from(query.subquery()))
        rows = session.execute(
            select(TopicEvent, Person.name, Topic.title).join(Person, Person.id == TopicEvent.actor_id)
            .join(Topic, Topic.id == TopicEvent.topic_id).where(TopicEvent.id.in_(query.with_only_columns(TopicEvent.id)))
            .order_by(TopicEvent.created_at.desc(), TopicEvent.id.desc()).limit(limit)).all()
        return total, [{"at": event.created_at, "actor_id": event.actor_id, "actor_name": name,
                        "actor_role_label": ROLE_LABELS[event.actor_role], "kind": "hall",
                        "action": event.action.value, "action_label": ACTION_LABELS[event.action],
                        "subject": f"议题“{title}”", "topic_id": event.topic_id, "note": event.note or ""}
                       for event, name, title in rows]
