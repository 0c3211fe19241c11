"""Opinions (意见) and supports (附议) in a hall, and the organizer's moderation of them."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from server.cases.states import Source
from server.core.db import insert_for
from server.core.errors import ConflictError, InvalidTransitionError, NotFoundError, ValidationError
from server.core.text import clean_text
from server.core.uow import UnitOfWork
from server.files.models import Attachment
from server.halls.common import get_opinion, load_person, lock_topic, record_event
from server.halls.models import Opinion, OpinionAttachment, Support, Topic
from server.halls.rules import (
    MAX_NOTE,
    MAX_OPINION,
    MAX_PHOTOS,
    STATE_LABELS,
    TopicAction,
    TopicState,
    check_organizer,
    check_participant,
)
from server.people.rules import Role
from server.pushes import notifications
from server.pushes.states import OutboxKind


def _check_open(topic: Topic, now: datetime, doing: str) -> None:
    """Only an open topic inside its window takes opinions and supports, even before the sweep closes it."""
    if topic.state != TopicState.open or topic.closes_at <= now:
        label = "已截止" if topic.state == TopicState.open else STATE_LABELS[topic.state]
        raise InvalidTransitionError(f"议题“{topic.title}”{label}，不能{doing}",
                                     details={"state": topic.state.value, "topic_id": topic.id})


def _topic_of(session: Session, opinion: Opinion) -> Topic:
    return session.get(Topic, opinion.topic_id)


def post_opinion(uow: UnitOfWork, *, author_id: int, topic_id: int, text: str,
                 attachment_ids: Sequence[int] = (), source: Source | str = Source.miniapp) -> Opinion:
    """A resident or council member posts an opinion (text up to 2,000 characters, up to 9 photos)."""
    with uow.transaction() as session:
        now = uow.clock.now()
        author = load_person(session, author_id)
        check_participant(author.as_actor())
        topic = session.get(Topic, topic_id)
        if topic is None:
            raise NotFoundError("找不到该议题", details={"topic_id": topic_id})
        _check_open(topic, now, "发表意见")
        text = clean_text(text, field="意见内容", limit=MAX_OPINION)
        ids = list(dict.fromkeys(attachment_ids))
        if len(ids) > MAX_PHOTOS:
            raise ValidationError(f"最多上传 {MAX_PHOTOS} 张图片")
        if ids and len(set(session.scalars(select(Attachment.id).where(Attachment.id.in_(ids))))) != len(ids):
            raise ValidationError("图片不存在，请重新上传", details={"field": "attachment_ids"})
        opinion = Opinion(topic_id=topic.id, author_id=author.id, text=text, source=Source(source),
                          is_council_member=author.role == Role.council_member and author.street_id == topic.street_id,
                          support_count=0, hidden=False, pinned=False, adopted=False, created_at=now)
        session.add(opinion)
        session.flush()
        for attachment_id in ids:
            session.add(OpinionAttachment(opinion_id=opinion.id, attachment_id=attachment_id, created_at=now))
        session.flush()
        return opinion


def _supportable(uow: UnitOfWork, session: Session, person_id: int, opinion_id: int, doing: str) -> Opinion:
    person = load_person(session, person_id)
    check_participant(person.as_actor())
    opinion = get_opinion(session, opinion_id)
    if opinion.hidden:
        raise NotFoundError("该意见已被隐藏", details={"opinion_id": opinion_id})
    _check_open(_topic_of(session, opinion), uow.clock.now(), doing)
    return opinion


def support_opinion(uow: UnitOfWork, *, person_id: int, opinion_id: int) -> Opinion:
    """Support (附议) someone else's opinion, once; a second support is refused with a clear message."""
    with uow.transaction() as session:
        opinion = _supportable(uow, session, person_id, opinion_id, "附议")
        if opinion.author_id == person_id:
            raise ValidationError("不能附议自己的意见")
        insert = insert_for(session.get_bind().dialect.name)
        # The unique pair decides, so two concurrent taps by one person still make one support.
        added = session.execute(
            insert(Support).values(opinion_id=opinion.id, person_id=person_id, created_at=uow.clock.now())
            .on_conflict_do_nothing().returning(Support.id)).scalar_one_or_none()
        if added is None:
            raise ConflictError("您已附议过这条意见", details={"opinion_id": opinion.id})
        session.execute(update(Opinion).where(Opinion.id == opinion.id)
                        .values(support_count=Opinion.support_count + 1))
        session.refresh(opinion)
        return opinion


def withdraw_support(uow: UnitOfWork, *, person_id: int, opinion_id: int) -> Opinion:
    """Take one's support back while the topic is open."""
    with uow.transaction() as session:
        opinion = _supportable(uow, session, person_id, opinion_id, "撤回附议")
        removed = session.execute(delete(Support).where(Support.opinion_id == opinion.id,
                                                        Support.person_id == person_id)).rowcount
        if not removed:
            raise ConflictError("您还没有附议这条意见", details={"opinion_id": opinion.id})
        session.execute(update(Opinion).where(Opinion.id == opinion.id)
                        .values(support_count=Opinion.support_count - 1))
        session.refresh(opinion)
        return opinion


def _moderated(uow: UnitOfWork, session: Session, actor_id: int, opinion_id: int):
    actor = load_person(session, actor_id).as_actor()
    opinion = get_opinion(session, opinion_id)
    topic = lock_topic(session, opinion.topic_id)
    session.refresh(opinion)  # read again under the topic's lock: two clicks at once act once
    check_organizer(actor, topic.street_id)
    return actor, opinion, topic, uow.clock.now()


def hide_opinion(uow: UnitOfWork, *, actor_id: int, opinion_id: int, reason: str) -> Opinion:
    """Hide an opinion from everyone but its author, who sees the reason; the audit log keeps it."""
    with uow.transaction() as session:
        reason = clean_text(reason, field="隐藏原因", limit=MAX_NOTE)
        actor, opinion, topic, now = _moderated(uow, session, actor_id, opinion_id)
        if opinion.hidden:
            raise ConflictError("该意见已被隐藏")
        opinion.hidden, opinion.hide_reason, opinion.pinned = True, reason, False
        record_event(session, topic, TopicAction.hide, actor, now, opinion_id=opinion.id, note=reason,
               data={"text": opinion.text[:200]})
        session.flush()
        return opinion


def unhide_opinion(uow: UnitOfWork, *, actor_id: int, opinion_id: int) -> Opinion:
    """Show a hidden opinion to everyone again (a hide made in error); the audit log keeps both steps."""
    with uow.transaction() as session:
        actor, opinion, topic, now = _moderated(uow, session, actor_id, opinion_id)
        if not opinion.hidden:
            raise ConflictError("该意见没有被隐藏")
        reason = opinion.hide_reason
        opinion.hidden, opinion.hide_reason = False, None
        record_event(session, topic, TopicAction.unhide, actor, now, opinion_id=opinion.id,
                     data={"hide_reason": reason})
        session.flush()
        return opinion


def pin_opinion(uow: UnitOfWork, *, actor_id: int, opinion_id: int, pinned: bool = True) -> Opinion:
    """Pin one opinion at the top of its topic (any previously pinned one is unpinned), or unpin it."""
    with uow.transaction() as session:
        actor, opinion, topic, now = _moderated(uow, session, actor_id, opinion_id)
        if pinned and opinion.hidden:
            raise ValidationError("已隐藏的意见不能置顶")
        if pinned:
            session.execute(update(Opinion).where(Opinion.topic_id == topic.id, Opinion.pinned.is_(True))
                            .values(pinned=False))
            session.refresh(opinion)
        opinion.pinned = pinned
        record_event(session, topic, TopicAction.pin if pinned else TopicAction.unpin, actor, now, opinion_id=opinion.id)
        session.flush()
        return opinion


def reply_to_opinion(uow: UnitOfWork, *, actor_id: int, opinion_id: int, text: str) -> Opinion:
    """The organizer answers an opinion in public; its author is told."""
    with uow.transaction() as session:
        text = clean_text(text, field="回复内容", limit=MAX_OPINION)
        actor, opinion, topic, now = _moderated(uow, session, actor_id, opinion_id)
        opinion.reply, opinion.replied_by_id, opinion.replied_at = text, actor.person_id, now
        record_event(session, topic, TopicAction.reply, actor, now, opinion_id=opinion.id, note=text)
        notifications.enqueue(session, kind=OutboxKind.opinion_replied, recipient_id=opinion.author_id, now=now,
                              payload={"topic_id": topic.id, "topic_title": topic.title, "opinion_id": opinion.id,
                                       "reply": text[:60]})
        session.flush()
        return opinion
