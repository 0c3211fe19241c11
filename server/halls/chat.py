"""Residents' side of halls outside the hall itself: opting in to new topics, and hall mode in chat.

The bot calls these (through `server.services.topics`, which re-exports them); the rules stay here:
which hall a chat user is in is stored, so every web process answers the same.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select

from server.cases.states import Source
from server.core.errors import InvalidTransitionError, NotFoundError, ValidationError
from server.core.uow import UnitOfWork
from server.halls.common import load_person
from server.halls.models import HallPresence, Opinion, Topic, TopicSubscription
from server.halls.opinions import post_opinion
from server.halls.queries import list_open_topics_for
from server.halls.rules import STATE_LABELS, TopicState
from server.places.models import Street


def subscribe_topics(uow: UnitOfWork, *, person_id: int, street_id: int | None = None) -> int:
    """A resident opts in to hear when a topic opens in a street (their own by default); returns the street."""
    with uow.transaction() as session:
        person = load_person(session, person_id)
        street_id = street_id or person.street_id
        if street_id is None or session.get(Street, street_id) is None:
            raise ValidationError("请选择街道", details={"field": "street_id"})
        if session.scalar(select(TopicSubscription.id).where(TopicSubscription.person_id == person.id,
                                                             TopicSubscription.street_id == street_id)) is None:
            session.add(TopicSubscription(person_id=person.id, street_id=street_id, created_at=uow.clock.now()))
        return street_id


def unsubscribe_topics(uow: UnitOfWork, *, person_id: int, street_id: int | None = None) -> None:
    """Stop hearing about new topics (of one street, or of all)."""
    with uow.transaction() as session:
        query = delete(TopicSubscription).where(TopicSubscription.person_id == person_id)
        if street_id is not None:
            query = query.where(TopicSubscription.street_id == street_id)
        session.execute(query)


# --- Hall mode in chat ---------------------------------------------------------------------

def enter_topic(uow: UnitOfWork, *, person_id: int, topic_id: int) -> Topic:
    """Put a chat user in a hall (after a QR scan or `议题 N`); their texts become opinions there."""
    with uow.transaction() as session:
        load_person(session, person_id)
        topic = session.get(Topic, topic_id)
        if topic is None:
            raise NotFoundError("找不到该议题", details={"topic_id": topic_id})
        if topic.state != TopicState.open or topic.closes_at <= uow.clock.now():
            raise InvalidTransitionError(f"议题“{topic.title}”当前{_label(topic, uow.clock.now())}，不能参与",
                                         details={"state": topic.state.value})
        presence = session.get(HallPresence, person_id)
        if presence is None:
            session.add(HallPresence(person_id=person_id, topic_id=topic.id, entered_at=uow.clock.now()))
        else:
            presence.topic_id, presence.entered_at = topic.id, uow.clock.now()
        session.flush()
        return topic


def enter_topic_by_number(uow: UnitOfWork, *, person_id: int, number: int) -> Topic:
    """`议题 N`: enter the N-th topic of the list `list_open_topics_for` gave this person."""
    topics = list_open_topics_for(uow, person_id=person_id)
    if not 1 <= number <= len(topics):
        raise ValidationError(f"没有第 {number} 个议题，请回复“议题”查看正在征集意见的议题",
                              details={"number": number})
    return enter_topic(uow, person_id=person_id, topic_id=topics[number - 1].id)


def leave_topic(uow: UnitOfWork, *, person_id: int) -> Topic | None:
    """`退出`: leave the hall; returns the topic left, or None if the person was in none."""
    with uow.transaction() as session:
        presence = session.get(HallPresence, person_id)
        if presence is None:
            return None
        topic = session.get(Topic, presence.topic_id)
        session.delete(presence)
        return topic


def current_topic_for(uow: UnitOfWork, *, person_id: int) -> Topic | None:
    """The open hall the person is in; a hall that closed meanwhile is left automatically."""
    with uow.transaction() as session:
        presence = session.get(HallPresence, person_id)
        if presence is None:
            return None
        topic = session.get(Topic, presence.topic_id)
        if topic is None or topic.state != TopicState.open or topic.closes_at <= uow.clock.now():
            session.delete(presence)
            return None
        return topic


def post_opinion_from_chat(uow: UnitOfWork, *, person_id: int, text: str,
                           attachment_ids: Sequence[int] = ()) -> tuple[Topic, Opinion]:
    """A text in hall mode becomes an opinion in the person's hall; (topic, opinion)."""
    with uow.transaction() as session:
        presence = session.get(HallPresence, person_id)
        if presence is None:
            raise InvalidTransitionError("您当前不在任何议事厅，请扫码或回复“议题”选择议题")
        opinion = post_opinion(uow, author_id=person_id, topic_id=presence.topic_id, text=text,
                               attachment_ids=attachment_ids, source=Source.wechat)
        return session.get(Topic, presence.topic_id), opinion


def _label(topic: Topic, now: datetime) -> str:
    if topic.state == TopicState.open and topic.closes_at <= now:
        return "已截止"
    return STATE_LABELS[topic.state]
