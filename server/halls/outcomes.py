"""How a hall ends: the outcome summary, adopted opinions, cases for the core loop, follow-ups, figures."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select

from server.cases import service as cases
from server.cases.models import Case
from server.cases.states import Source
from server.core.errors import ConflictError, InvalidTransitionError, NotFoundError, ValidationError
from server.core.text import clean_text
from server.core.uow import UnitOfWork
from server.halls.common import (
    get_opinion,
    load_person,
    lock_topic,
    participant_ids,
    push_about,
    record_event,
)
from server.halls.models import Opinion, Support, Topic, TopicFollowUp
from server.halls.rules import (
    MAX_BACKGROUND,
    MAX_NOTE,
    STATE_LABELS,
    TopicAction,
    TopicState,
    check_organizer,
)
from server.people.rules import Actor
from server.pushes.states import OutboxKind


@dataclass(frozen=True)
class OpinionCase:
    """Turn this opinion into a case; with `unit_id` the organizer routes it to that unit at once."""

    opinion_id: int
    unit_id: int | None = None


def _topic_opinion(session, topic: Topic, opinion_id: int) -> Opinion:
    opinion = get_opinion(session, opinion_id)
    if opinion.topic_id != topic.id:
        raise ValidationError("该意见不属于这个议题", details={"opinion_id": opinion_id})
    if opinion.hidden:
        raise ValidationError("已隐藏的意见不能采纳", details={"opinion_id": opinion_id})
    return opinion


def _make_case(uow: UnitOfWork, actor: Actor, topic: Topic, opinion: Opinion, unit_id: int | None) -> Case:
    if opinion.case_id is not None:
        raise ConflictError("该意见已转为民情民意事项", details={"opinion_id": opinion.id, "case_id": opinion.case_id})
    description = f"【议事厅·{topic.title}】{opinion.text}"[:2000]
    case = cases.submit_case(uow, reporter_id=opinion.author_id, description=description, street_id=topic.street_id,
                             community_id=topic.community_id, source=Source.hall)
    if unit_id is not None:
        case = cases.route_case(uow, actor_id=actor.person_id, case_id=case.id, unit_id=unit_id,
                                note=f"来自议事厅议题“{topic.title}”")
    opinion.case_id, opinion.adopted = case.id, True
    record_event(uow.session, topic, TopicAction.make_case, actor, uow.clock.now(), opinion_id=opinion.id,
           data={"case_id": case.id, "tracking_number": case.tracking_number, "unit_id": unit_id})
    return case


def conclude_topic(uow: UnitOfWork, *, actor_id: int, topic_id: int, summary: str,
                   adopted_opinion_ids: Sequence[int] = (), case_requests: Sequence[OpinionCase] = (),
                   follow_ups: Sequence[str] = ()) -> Topic:
    """Publish the outcome of a closed topic: adopted opinions, cases made from opinions, follow-ups.

    Everyone who took part is told. Any bad part (a foreign opinion, an unknown unit) changes nothing.
    """
    with uow.transaction() as session:
        now = uow.clock.now()
        actor = load_person(session, actor_id).as_actor()
        topic = lock_topic(session, topic_id)
        check_organizer(actor, topic.street_id)
        summary = clean_text(summary, field="结果说明", limit=MAX_BACKGROUND)
        if topic.state != TopicState.closed:
            raise InvalidTransitionError(f"议题当前“{STATE_LABELS[topic.state]}”，截止后才能公布结果",
                                details={"state": topic.state.value})
        for opinion_id in dict.fromkeys(adopted_opinion_ids):
            opinion = _topic_opinion(session, topic, opinion_id)
            opinion.adopted = True
            record_event(session, topic, TopicAction.adopt, actor, now, opinion_id=opinion.id)
        for request in case_requests:
            _make_case(uow, actor, topic, _topic_opinion(session, topic, request.opinion_id), request.unit_id)
        for text in follow_ups:
            session.add(TopicFollowUp(topic_id=topic.id, description=clean_text(text, field="后续事项", limit=MAX_NOTE),
                                      created_at=now))
        topic.state, topic.outcome_summary, topic.concluded_at, topic.updated_at = (
            TopicState.concluded, summary, now, now)
        record_event(session, topic, TopicAction.conclude, actor, now, note=summary)
        push_about(session, topic, participant_ids(session, topic.id), now, kind=OutboxKind.topic_concluded,
                   key="conclude", payload={"summary": summary[:60]})
        session.flush()
        return topic


def create_case_from_opinion(uow: UnitOfWork, *, actor_id: int, opinion_id: int,
                             unit_id: int | None = None) -> Case:
    """Turn one opinion of an open, closed or concluded topic into a case (linked both ways)."""
    with uow.transaction() as session:
        actor = load_person(session, actor_id).as_actor()
        opinion = get_opinion(session, opinion_id)
        topic = lock_topic(session, opinion.topic_id)
        check_organizer(actor, topic.street_id)
        if topic.state == TopicState.draft:
            raise InvalidTransitionError("议题尚未开放，不能转为民情民意事项")
        return _make_case(uow, actor, topic, _topic_opinion(session, topic, opinion_id), unit_id)


def complete_follow_up(uow: UnitOfWork, *, actor_id: int, follow_up_id: int) -> TopicFollowUp:
    """The organizer marks a follow-up item (后续事项) of a concluded topic as done, once."""
    with uow.transaction() as session:
        actor = load_person(session, actor_id).as_actor()
        follow_up = session.get(TopicFollowUp, follow_up_id)
        if follow_up is None:
            raise NotFoundError("找不到该后续事项", details={"follow_up_id": follow_up_id})
        topic = lock_topic(session, follow_up.topic_id)
        check_organizer(actor, topic.street_id)
        session.refresh(follow_up)  # read again under the topic's lock: two clicks finish it once
        if follow_up.done_at is not None:
            raise ConflictError("该后续事项已标记为完成")
        now = uow.clock.now()
        follow_up.done_at = now
        record_event(session, topic, TopicAction.follow_up_done, actor, now, note=follow_up.description,
                     data={"follow_up_id": follow_up.id})
        session.flush()
        return follow_up


def opinion_for_case(uow: UnitOfWork, *, case_id: int) -> Opinion | None:
    """The hall opinion a case was made from (the link back from the core loop), if any."""
    with uow.transaction() as session:
        return session.scalar(select(Opinion).where(Opinion.case_id == case_id))


def opinion_case_id(uow: UnitOfWork, *, opinion_id: int) -> int | None:
    """The case made from an opinion (the link from the hall into the core loop), if any."""
    with uow.transaction() as session:
        return get_opinion(session, opinion_id).case_id


def topic_figures(uow: UnitOfWork, *, topic_id: int) -> dict[str, int]:
    """Figures for the panoramic window: participants, opinions, supports, adopted, cases created."""
    with uow.transaction() as session:
        lock_topic(session, topic_id)  # raises NotFoundError for an unknown topic
        of_topic = Opinion.topic_id == topic_id
        row = session.execute(select(func.count(Opinion.id), func.count(Opinion.id).filter(Opinion.hidden),
                                     func.count(Opinion.id).filter(Opinion.adopted),
                                     func.count(Opinion.case_id)).where(of_topic)).one()
        supports = session.scalar(select(func.count(Support.id)).join(Opinion, Opinion.id == Support.opinion_id)
                                  .where(of_topic))
        return {"participants": len(participant_ids(session, topic_id)), "opinions": row[0], "hidden": row[1],
                "supports": supports, "adopted": row[2], "cases_created": row[3]}


def hall_figures(uow: UnitOfWork, *, street_id: int | None = None) -> dict[str, int]:
    """The same figures summed over all topics (of one street, if given), plus topics by state."""
    with uow.transaction() as session:
        topic_ids = select(Topic.id).where(Topic.street_id == street_id) if street_id else select(Topic.id)
        by_state = dict(session.execute(select(Topic.state, func.count()).where(Topic.id.in_(topic_ids))
                                        .group_by(Topic.state)).all())
        opinions = select(Opinion).where(Opinion.topic_id.in_(topic_ids)).subquery()
        row = session.execute(select(func.count(opinions.c.id), func.count(opinions.c.id).filter(opinions.c.adopted),
                                     func.count(opinions.c.case_id), func.count(func.distinct(opinions.c.author_id)))
                              ).one()
        supports = session.execute(select(func.count(Support.id), func.count(func.distinct(Support.person_id)))
                                   .where(Support.opinion_id.in_(select(opinions.c.id)))).one()
        return {"topics": sum(by_state.values()), **{f"topics_{s.value}": by_state.get(s, 0) for s in TopicState},
                "opinions": row[0], "adopted": row[1], "cases_created": row[2], "authors": row[3],
                "supports": supports[0], "supporters": supports[1]}
