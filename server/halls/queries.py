"""Read views of halls, ready for JSON and pages: who sees what (hidden opinions, names) is decided here."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from server.cases.models import Case
from server.core.errors import NotFoundError, ValidationError
from server.core.uow import UnitOfWork
from server.halls.common import load_person
from server.halls.models import Opinion, OpinionAttachment, Support, Topic, TopicAttachment, TopicFollowUp
from server.halls.rules import STATE_LABELS, TopicState, may_organize
from server.people.models import Person
from server.people.rules import Actor, Role
from server.places.models import Community, Street

MAX_LIMIT = 100
SORTS = ("supports", "time")


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _viewer(session: Session, viewer_id: int | None) -> Actor | None:
    return load_person(session, viewer_id).as_actor() if viewer_id is not None else None


def _window(offset: int, limit: int) -> None:
    if offset < 0 or not 1 <= limit <= MAX_LIMIT:
        raise ValidationError(f"分页参数不正确（每页 1–{MAX_LIMIT} 条）", details={"field": "limit"})


def _page(items: list, offset: int, limit: int, total: int, **extra: Any) -> dict[str, Any]:
    """One page; `next_offset` is None on the last page."""
    more = offset + len(items) < total
    return {"items": items, "total": total, "offset": offset, "next_offset": offset + limit if more else None,
            **extra}


def public_name(person: Person, *, full: bool) -> str:
    """Residents appear as 朱* in public; organizers see full names; nobody's contact details are shown."""
    if full or person.role == Role.council_member:
        return person.name
    return person.name[:1] + "*" * max(len(person.name) - 1, 1)


def topic_summary(session: Session, topic: Topic, now: datetime) -> dict[str, Any]:
    street = session.get(Street, topic.street_id)
    community = session.get(Community, topic.community_id) if topic.community_id else None
    state = TopicState.closed if topic.state == TopicState.open and topic.closes_at <= now else topic.state
    counts = session.execute(select(func.count(Opinion.id), func.coalesce(func.sum(Opinion.support_count), 0))
                             .where(Opinion.topic_id == topic.id, Opinion.hidden.is_(False))).one()
    return {
        "id": topic.id, "title": topic.title, "state": state.value, "state_label": STATE_LABELS[state],
        "street_id": topic.street_id, "street_name": street.name, "community_id": topic.community_id,
        "community_name": community.name if community else None,
        "opens_at": _iso(topic.opens_at), "closes_at": _iso(topic.closes_at), "opened_at": _iso(topic.opened_at),
        "closed_at": _iso(topic.closed_at), "concluded_at": _iso(topic.concluded_at),
        "extended_reason": topic.extended_reason, "opinion_count": counts[0], "support_count": int(counts[1]),
    }


def get_topic(uow: UnitOfWork, *, topic_id: int, viewer_id: int | None = None) -> dict[str, Any]:
    """A topic with its background, attachments and outcome; drafts only for their organizers."""
    with uow.transaction() as session:
        topic = session.get(Topic, topic_id)
        viewer = _viewer(session, viewer_id)
        organizer = viewer is not None and topic is not None and may_organize(viewer, topic.street_id)
        if topic is None or (topic.state == TopicState.draft and not organizer):
            raise NotFoundError("找不到该议题", details={"topic_id": topic_id})
        view = topic_summary(session, topic, uow.clock.now())
        view.update(
            background=topic.background, outcome_summary=topic.outcome_summary, can_organize=organizer,
            attachment_ids=list(session.scalars(select(TopicAttachment.attachment_id)
                                                .where(TopicAttachment.topic_id == topic.id)
                                                .order_by(TopicAttachment.id))),
            follow_ups=[{"id": f.id, "description": f.description, "opinion_id": f.opinion_id,
                         "done_at": _iso(f.done_at)}
                        for f in session.scalars(select(TopicFollowUp).where(TopicFollowUp.topic_id == topic.id)
                                                 .order_by(TopicFollowUp.id))],
        )
        return view


def list_opinions(uow: UnitOfWork, *, topic_id: int, viewer_id: int | None = None, sort: str = "supports",
                  offset: int = 0, limit: int = 20) -> dict[str, Any]:
    """Opinions of a topic, pinned first, then by supports or newest; hidden ones only for their author
    (with the reason) and for organizers."""
    if sort not in SORTS:
        raise ValidationError("排序方式只能是 supports 或 time", details={"field": "sort"})
    _window(offset, limit)
    get_topic(uow, topic_id=topic_id, viewer_id=viewer_id)  # existence and draft visibility
    with uow.transaction() as session:
        viewer = _viewer(session, viewer_id)
        topic = session.get(Topic, topic_id)
        organizer = viewer is not None and may_organize(viewer, topic.street_id)
        query = select(Opinion).where(Opinion.topic_id == topic_id)
        if not organizer:
            visible = Opinion.hidden.is_(False)
            if viewer is not None:
                visible = or_(visible, Opinion.author_id == viewer.person_id)
            query = query.where(visible)
        total = session.scalar(select(func.count()).select_from(query.subquery()))
        order = ([Opinion.pinned.desc(), Opinion.support_count.desc(), Opinion.created_at, Opinion.id]
                 if sort == "supports" else [Opinion.pinned.desc(), Opinion.created_at.desc(), Opinion.id.desc()])
        rows = list(session.scalars(query.order_by(*order).offset(offset).limit(limit)))
        mine = set()
        if viewer is not None and rows:
            mine = set(session.scalars(select(Support.opinion_id).where(
                Support.person_id == viewer.person_id, Support.opinion_id.in_([o.id for o in rows]))))
        page = _preload(session, rows)
        items = [_opinion_view(o, viewer, organizer, o.id in mine, page) for o in rows]
        return _page(items, offset, limit, total, sort=sort)


@dataclass
class _PageRows:
    """A page's authors, cases and photo ids, loaded in one query each instead of one per opinion."""

    authors: dict[int, Person]
    cases: dict[int, Case]
    photos: dict[int, list[int]]


def _preload(session: Session, rows: list[Opinion]) -> _PageRows:
    ids = [o.id for o in rows]
    authors = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_({o.author_id for o in rows})))}
    case_ids = {o.case_id for o in rows if o.case_id}
    cases = {c.id: c for c in session.scalars(select(Case).where(Case.id.in_(case_ids)))} if case_ids else {}
    photos: dict[int, list[int]] = {}
    for opinion_id, attachment_id in session.execute(
            select(OpinionAttachment.opinion_id, OpinionAttachment.attachment_id)
            .where(OpinionAttachment.opinion_id.in_(ids)).order_by(OpinionAttachment.id)):
        photos.setdefault(opinion_id, []).append(attachment_id)
    return _PageRows(authors, cases, photos)


def get_opinion_view(uow: UnitOfWork, *, opinion_id: int, viewer_id: int | None = None) -> dict[str, Any]:
    """One opinion as `list_opinions` shows it to this viewer (a hidden one only to its author and organizers)."""
    with uow.transaction() as session:
        opinion = session.get(Opinion, opinion_id)
        viewer = _viewer(session, viewer_id)
        topic = session.get(Topic, opinion.topic_id) if opinion else None
        organizer = viewer is not None and topic is not None and may_organize(viewer, topic.street_id)
        own = viewer is not None and opinion is not None and opinion.author_id == viewer.person_id
        if opinion is None or (opinion.hidden and not (own or organizer)):
            raise NotFoundError("找不到该意见", details={"opinion_id": opinion_id})
        supported = viewer is not None and session.scalar(select(Support.id).where(
            Support.opinion_id == opinion.id, Support.person_id == viewer.person_id)) is not None
        return _opinion_view(opinion, viewer, organizer, supported, _preload(session, [opinion]))


def _opinion_view(opinion: Opinion, viewer: Actor | None, organizer: bool,
                  supported: bool, page: _PageRows) -> dict[str, Any]:
    author = page.authors[opinion.author_id]
    own = viewer is not None and viewer.person_id == opinion.author_id
    case = page.cases.get(opinion.case_id) if opinion.case_id else None
    view = {
        "id": opinion.id, "text": opinion.text, "author_name": public_name(author, full=organizer or own),
        "is_council_member": opinion.is_council_member, "support_count": opinion.support_count,
        "pinned": opinion.pinned, "adopted": opinion.adopted, "hidden": opinion.hidden,
        "reply": opinion.reply, "replied_at": _iso(opinion.replied_at), "created_at": _iso(opinion.created_at),
        "is_mine": own, "supported_by_me": supported,
        "case_tracking_number": case.tracking_number if case else None,
        "attachment_ids": page.photos.get(opinion.id, []),
    }
    if opinion.hidden and (own or organizer):
        view["hide_reason"] = opinion.hide_reason
    if organizer:
        view["case_id"] = opinion.case_id
    return view


def list_topics(uow: UnitOfWork, *, viewer_id: int | None = None, state: str | None = None,
                street_id: int | None = None, offset: int = 0, limit: int = 20) -> dict[str, Any]:
    """Topics newest first; drafts only of streets the viewer organizes."""
    _window(offset, limit)
    if state is not None and state not in TopicState.__members__:
        raise ValidationError("议题状态不正确", details={"field": "state"})
    with uow.transaction() as session:
        viewer = _viewer(session, viewer_id)
        query = select(Topic)
        if street_id is not None:
            query = query.where(Topic.street_id == street_id)
        if state is not None:
            query = query.where(Topic.state == TopicState(state))
        if viewer is None or viewer.role not in (Role.street_office, Role.district_committee):
            query = query.where(Topic.state != TopicState.draft)
        elif viewer.role == Role.street_office:
            query = query.where(or_(Topic.state != TopicState.draft, Topic.street_id == viewer.street_id))
        total = session.scalar(select(func.count()).select_from(query.subquery()))
        rows = session.scalars(query.order_by(Topic.created_at.desc(), Topic.id.desc())
                               .offset(offset).limit(limit))
        now = uow.clock.now()
        return _page([topic_summary(session, t, now) for t in rows], offset, limit, total)


def list_open_topics_for(uow: UnitOfWork, *, person_id: int, limit: int = 10) -> list[Topic]:
    """Open topics near a person: their street's (community topics only of their own community), soonest
    closing first; a person with no street sees every open topic. The bot numbers this list for `议题 N`."""
    with uow.transaction() as session:
        person = load_person(session, person_id)
        query = select(Topic).where(Topic.state == TopicState.open, Topic.closes_at > uow.clock.now())
        if person.street_id is not None:
            query = query.where(Topic.street_id == person.street_id)
            if person.community_id is not None:
                query = query.where(or_(Topic.community_id.is_(None), Topic.community_id == person.community_id))
        return list(session.scalars(query.order_by(Topic.closes_at, Topic.id).limit(limit)))


def open_topics_near(uow: UnitOfWork, *, person_id: int, limit: int = 10) -> list[dict[str, Any]]:
    """The same list as views, for the mini-program."""
    topics = list_open_topics_for(uow, person_id=person_id, limit=limit)
    with uow.transaction() as session:
        now = uow.clock.now()
        return [topic_summary(session, session.get(Topic, t.id), now) for t in topics]


__all__ = ["get_opinion_view", "get_topic", "list_open_topics_for", "list_opinions", "list_topics", "open_topics_near",
           "public_name", "topic_summary"]
