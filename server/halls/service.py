"""Deliberation halls (居民议事): a topic's life from draft to open to closed, on time.

Opinions and supports live in `opinions.py`, conclusions in `topic_outcomes.py`, read views in
`topic_queries.py`, opting in and hall mode in chat in `topic_chat.py`; the names the bot needs
(`list_open_topics_for`, `enter_topic`, `post_opinion_from_chat`, ...) are re-exported here.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select

from server.core.db import lock_row
from server.core.errors import ConflictError, InvalidTransitionError, ValidationError
from server.core.text import clean_text
from server.core.uow import UnitOfWork
from server.files.models import Attachment
from server.halls.chat import (
    current_topic_for,
    enter_topic,
    enter_topic_by_number,
    leave_topic,
    post_opinion_from_chat,
    subscribe_topics,
    unsubscribe_topics,
)
from server.halls.common import (
    load_person,
    lock_topic,
    participant_ids,
    push_about,
    record_event,
    street_audience_ids,
)
from server.halls.models import Topic, TopicAttachment
from server.halls.queries import list_open_topics_for
from server.halls.rules import (
    CLOSING_NOTICE_HOURS,
    MAX_BACKGROUND,
    MAX_NOTE,
    MAX_PHOTOS,
    MAX_TITLE,
    STATE_LABELS,
    TopicAction,
    TopicState,
    check_organizer,
)
from server.people.models import Person
from server.people.rules import Actor
from server.places.models import Street
from server.places.service import resolve_place
from server.pushes.states import OutboxKind

__all__ = [
    "close_due", "close_topic", "create_topic", "current_topic_for", "edit_topic", "enter_topic",
    "enter_topic_by_number", "extend_topic", "leave_topic", "list_open_topics_for", "notify_closing_due",
    "open_due", "open_topic", "post_opinion_from_chat", "run_hall_schedule",
    "subscribe_topics", "unsubscribe_topics",
]


def _check_state(topic: Topic, allowed: set[TopicState], doing: str) -> None:
    if topic.state not in allowed:
        raise InvalidTransitionError(f"该议题当前“{STATE_LABELS[topic.state]}”，不能{doing}",
                                     details={"state": topic.state.value})


def _check_window(opens_at: datetime | None, closes_at: datetime, now: datetime) -> None:
    for value in (opens_at, closes_at):
        if value is not None and value.tzinfo is None:
            raise ValidationError("时间须带时区", details={"field": "closes_at"})
    if opens_at is not None and opens_at < now:
        raise ValidationError("开放时间已过，请重新选择或直接开放议题", details={"field": "opens_at"})
    if closes_at <= max(opens_at or now, now):
        raise ValidationError("截止时间须晚于开放时间和当前时间", details={"field": "closes_at"})


def _scope(session, street_id: int | None, community_id: int | None, organizer: Person) -> tuple[int, int | None]:
    return resolve_place(session, street_id=street_id, community_id=community_id, person=organizer,
                         missing_street="请选择议题所属街道")


def _attach(session, topic: Topic, attachment_ids: Sequence[int], now: datetime) -> None:
    ids = list(dict.fromkeys(attachment_ids))
    if len(ids) > MAX_PHOTOS:
        raise ValidationError(f"最多上传 {MAX_PHOTOS} 个附件")
    existing = set(session.scalars(select(TopicAttachment.attachment_id).where(TopicAttachment.topic_id == topic.id)))
    for attachment_id in ids:
        if session.get(Attachment, attachment_id) is None:
            raise ValidationError("附件不存在，请重新上传", details={"attachment_id": attachment_id})
        if attachment_id not in existing:
            session.add(TopicAttachment(topic_id=topic.id, attachment_id=attachment_id, created_at=now))


def _check_unique_title(session, street_id: int, title: str, topic_id: int | None = None) -> None:
    """One live (draft or open) topic per title in a street: a form sent twice makes one topic. The street's
    row is locked so that two such requests at once are decided one after the other."""
    lock_row(session, Street, street_id, missing="街道不存在")
    query = select(Topic.id).where(Topic.street_id == street_id, Topic.title == title,
                                   Topic.state.in_((TopicState.draft, TopicState.open)))
    if topic_id is not None:
        query = query.where(Topic.id != topic_id)
    if session.scalar(query.limit(1)) is not None:
        raise ConflictError("本街道已有同名的议题（未开放或征集中）", details={"field": "议题标题"})


def create_topic(uow: UnitOfWork, *, actor_id: int, title: str, background: str, closes_at: datetime,
                 opens_at: datetime | None = None, street_id: int | None = None, community_id: int | None = None,
                 attachment_ids: Sequence[int] = ()) -> Topic:
    """An organizer drafts a topic; with `opens_at` it opens by itself then, else when opened by hand."""
    with uow.transaction() as session:
        now = uow.clock.now()
        organizer = load_person(session, actor_id)
        title = clean_text(title, field="议题标题", limit=MAX_TITLE)
        background = clean_text(background, field="议题背景", limit=MAX_BACKGROUND)
        street_id, community_id = _scope(session, street_id, community_id, organizer)
        check_organizer(organizer.as_actor(), street_id)
        _check_window(opens_at, closes_at, now)
        _check_unique_title(session, street_id, title)
        topic = Topic(title=title, background=background, street_id=street_id, community_id=community_id,
                      organizer_id=organizer.id, state=TopicState.draft, opens_at=opens_at, closes_at=closes_at,
                      created_at=now, updated_at=now)
        session.add(topic)
        session.flush()
        _attach(session, topic, attachment_ids, now)
        record_event(session, topic, TopicAction.create, organizer.as_actor(), now)
        session.flush()
        return topic


def edit_topic(uow: UnitOfWork, *, actor_id: int, topic_id: int, title: str | None = None,
               background: str | None = None, opens_at: datetime | None = None, closes_at: datetime | None = None,
               clear_opens_at: bool = False, street_id: int | None = None, community_id: int | None = None,
               attachment_ids: Sequence[int] | None = None) -> Topic:
    """Change a draft; None leaves a field as it is. An open topic changes only by `extend_topic`."""
    with uow.transaction() as session:
        now = uow.clock.now()
        actor = load_person(session, actor_id)
        topic = lock_topic(session, topic_id)
        check_organizer(actor.as_actor(), topic.street_id)
        _check_state(topic, {TopicState.draft}, "修改（已开放的议题只能延期）")
        if title is not None:
            topic.title = clean_text(title, field="议题标题", limit=MAX_TITLE)
        if background is not None:
            topic.background = clean_text(background, field="议题背景", limit=MAX_BACKGROUND)
        if street_id is not None or community_id is not None:
            topic.street_id, topic.community_id = _scope(session, street_id or topic.street_id, community_id, actor)
            check_organizer(actor.as_actor(), topic.street_id)
        if opens_at is not None or closes_at is not None or clear_opens_at:
            new_opens = None if clear_opens_at else (opens_at or topic.opens_at)
            new_closes = closes_at or topic.closes_at
            _check_window(opens_at, new_closes, now)  # a newly chosen opening time must still lie ahead
            if new_opens is not None and new_closes <= new_opens:
                raise ValidationError("截止时间须晚于开放时间", details={"field": "closes_at"})
            topic.opens_at, topic.closes_at = new_opens, new_closes
        if attachment_ids is not None:
            _attach(session, topic, attachment_ids, now)
        _check_unique_title(session, topic.street_id, topic.title, topic.id)
        topic.updated_at = now
        record_event(session, topic, TopicAction.edit, actor.as_actor(), now)
        session.flush()
        return topic


def _open(session, topic: Topic, actor: Actor, now: datetime) -> None:
    if topic.closes_at <= now:
        raise ValidationError("截止时间已过，请先修改截止时间", details={"field": "closes_at"})
    topic.state, topic.opened_at, topic.updated_at = TopicState.open, now, now
    record_event(session, topic, TopicAction.open, actor, now)
    audience = street_audience_ids(session, topic.street_id)
    street = session.get(Street, topic.street_id)
    push_about(session, topic, audience, now, kind=OutboxKind.topic_opened, key="open",
               payload={"street_name": street.name, "closes_at": topic.closes_at.isoformat()})


def open_topic(uow: UnitOfWork, *, actor_id: int, topic_id: int) -> Topic:
    """An organizer opens a draft now; residents who opted in and the street's council members are told."""
    with uow.transaction() as session:
        actor = load_person(session, actor_id).as_actor()
        topic = lock_topic(session, topic_id)
        check_organizer(actor, topic.street_id)
        _check_state(topic, {TopicState.draft}, "开放")
        _open(session, topic, actor, uow.clock.now())
        session.flush()
        return topic


def _close(session, topic: Topic, actor: Actor, now: datetime, note: str | None = None) -> None:
    topic.state, topic.closed_at, topic.updated_at = TopicState.closed, now, now
    record_event(session, topic, TopicAction.close, actor, now, note=note)


def close_topic(uow: UnitOfWork, *, actor_id: int, topic_id: int, note: str | None = None) -> Topic:
    """An organizer closes an open topic before its time; no more opinions or supports."""
    with uow.transaction() as session:
        actor = load_person(session, actor_id).as_actor()
        topic = lock_topic(session, topic_id)
        check_organizer(actor, topic.street_id)
        _check_state(topic, {TopicState.open}, "截止")
        _close(session, topic, actor, uow.clock.now(), clean_text(note, field="说明", limit=MAX_NOTE, required=False))
        session.flush()
        return topic


def extend_topic(uow: UnitOfWork, *, actor_id: int, topic_id: int, closes_at: datetime, reason: str) -> Topic:
    """An organizer moves an open topic's closing time later, with a reason shown on the topic."""
    with uow.transaction() as session:
        now = uow.clock.now()
        actor = load_person(session, actor_id).as_actor()
        topic = lock_topic(session, topic_id)
        check_organizer(actor, topic.street_id)
        reason = clean_text(reason, field="延期原因", limit=MAX_NOTE)
        _check_state(topic, {TopicState.open}, "延期")
        if closes_at.tzinfo is None or closes_at <= max(topic.closes_at, now):
            raise ValidationError("新的截止时间须晚于原截止时间", details={"field": "closes_at"})
        previous = topic.closes_at
        topic.closes_at, topic.extended_reason, topic.updated_at = closes_at, reason, now
        record_event(session, topic, TopicAction.extend, actor, now, note=reason,
               data={"from": previous.isoformat(), "to": closes_at.isoformat()})
        session.flush()
        return topic


def _due_ids(uow: UnitOfWork, query) -> list[int]:
    with uow.transaction() as session:
        return list(session.scalars(query))


def open_due(uow: UnitOfWork) -> list[int]:
    """Scheduler: open every scheduled draft whose time has come; each in its own transaction."""
    now = uow.clock.now()
    due = _due_ids(uow, select(Topic.id).where(Topic.state == TopicState.draft, Topic.opens_at <= now)
                   .order_by(Topic.opens_at))
    opened = []
    for topic_id in due:
        with uow.transaction() as session:
            topic = lock_topic(session, topic_id)
            if topic.state != TopicState.draft or topic.opens_at is None or topic.opens_at > now:
                continue  # another scheduler process got there first, or the draft changed
            if topic.closes_at <= now:
                continue  # a window that passed entirely while a draft waits for the organizer
            _open(session, topic, Actor.system(), now)
            opened.append(topic_id)
    return opened


def close_due(uow: UnitOfWork) -> list[int]:
    """Scheduler: close every open topic whose closing time has passed."""
    now = uow.clock.now()
    due = _due_ids(uow, select(Topic.id).where(Topic.state == TopicState.open, Topic.closes_at <= now))
    closed = []
    for topic_id in due:
        with uow.transaction() as session:
            topic = lock_topic(session, topic_id)
            if topic.state == TopicState.open and topic.closes_at <= now:
                _close(session, topic, Actor.system(), now)
                closed.append(topic_id)
    return closed


def notify_closing_due(uow: UnitOfWork) -> list[int]:
    """Scheduler: "closing in 24 h" to participants and the street's audience, once per closing time."""
    now = uow.clock.now()
    horizon = now + timedelta(hours=CLOSING_NOTICE_HOURS)
    due = _due_ids(uow, select(Topic.id).where(Topic.state == TopicState.open, Topic.closes_at > now,
                                               Topic.closes_at <= horizon))
    notified = []
    for topic_id in due:
        with uow.transaction() as session:
            topic = lock_topic(session, topic_id)
            if topic.closing_notice_for == topic.closes_at or topic.state != TopicState.open:
                continue
            people = sorted(set(participant_ids(session, topic.id)) | set(street_audience_ids(session, topic.street_id)))
            push_about(session, topic, people, now, kind=OutboxKind.topic_closing, key=topic.closes_at.isoformat(),
                       payload={"closes_at": topic.closes_at.isoformat()})
            topic.closing_notice_for = topic.closes_at
            notified.append(topic_id)
    return notified


def run_hall_schedule(uow: UnitOfWork) -> dict[str, list[int]]:
    """The one periodic job for halls: open, warn, close. Safe to run from several processes at once."""
    return {"opened": open_due(uow), "closing_notified": notify_closing_due(uow), "closed": close_due(uow)}
