"""A topic's life at the service layer: draft, open on time, extend, close on time, push once each."""
from __future__ import annotations

from datetime import timedelta

import pytest

from server.chat.events import parse_scene
from server.core.errors import InvalidTransitionError, NotFoundError, PermissionDeniedError, ValidationError
from server.halls import opinions
from server.halls import service as topics
from server.halls.models import Topic, TopicEvent, TopicSubscription
from server.halls.rules import TopicState


def test_a_scheduled_draft_opens_on_time_and_tells_council_members_and_subscribers(hall, world, clock):
    assert topics.subscribe_topics(hall.uow, person_id=hall.id("朱伟")) == world.street("kaixuan").id
    topics.subscribe_topics(hall.uow, person_id=hall.id("朱伟"))  # twice is still once
    topic = hall.create(opens_in_hours=2)
    assert topic.state == TopicState.draft
    assert topics.open_due(hall.uow) == []
    clock.advance(hours=2)
    assert topics.open_due(hall.uow) == [topic.id]
    assert topics.open_due(hall.uow) == []
    pushes = hall.pushes("topic_opened")
    assert sorted(p.recipient_id for p in pushes) == sorted([hall.id("张秀英"), hall.id("朱伟")])
    assert pushes[0].payload["topic_title"] == "凤起东路行人过街安全"
    assert pushes[0].payload["topic_id"] == topic.id
    assert hall.count(TopicSubscription) == 1


def test_an_open_topic_warns_24_hours_before_closing_then_closes_on_time(hall, clock):
    topic = hall.open_now(lasts_hours=48)
    opinions.post_opinion(hall.uow, author_id=hall.id("朱伟"), topic_id=topic.id, text="建议增设人行横道信号灯")
    clock.advance(hours=23)
    assert topics.notify_closing_due(hall.uow) == []
    clock.advance(hours=2)
    assert topics.run_hall_schedule(hall.uow) == {"opened": [], "closing_notified": [topic.id], "closed": []}
    assert topics.notify_closing_due(hall.uow) == []
    assert {p.recipient_id for p in hall.pushes("topic_closing")} == {hall.id("朱伟"), hall.id("张秀英")}
    clock.advance(hours=24)
    assert topics.close_due(hall.uow) == [topic.id]
    assert hall.count(Topic, Topic.state == TopicState.closed) == 1


def test_extending_needs_a_reason_and_a_later_time_and_warns_again(hall, clock):
    topic = hall.open_now(lasts_hours=10)
    assert topics.notify_closing_due(hall.uow) == [topic.id]
    with pytest.raises(ValidationError):
        topics.extend_topic(hall.uow, actor_id=hall.id("徐芳"), topic_id=topic.id,
                            closes_at=topic.closes_at + timedelta(days=3), reason="  ")
    with pytest.raises(ValidationError):
        topics.extend_topic(hall.uow, actor_id=hall.id("徐芳"), topic_id=topic.id,
                            closes_at=topic.closes_at - timedelta(hours=1), reason="居民要求")
    extended = topics.extend_topic(hall.uow, actor_id=hall.id("徐芳"), topic_id=topic.id,
                                   closes_at=topic.closes_at + timedelta(days=3), reason="参与人数不足，延长征集")
    assert extended.extended_reason == "参与人数不足，延长征集"
    clock.advance(hours=10)
    assert topics.close_due(hall.uow) == []
    clock.advance(days=2)
    assert topics.notify_closing_due(hall.uow) == [topic.id]


def test_only_the_streets_office_or_the_district_committee_organize(hall, world):
    with pytest.raises(PermissionDeniedError):
        hall.create(organizer="胡敏", street_id=world.street("kaixuan").id)
    with pytest.raises(PermissionDeniedError):
        hall.create(organizer="朱伟")
    topic = hall.create(organizer="张梦月", street_id=world.street("kaixuan").id)
    with pytest.raises(PermissionDeniedError):
        topics.open_topic(hall.uow, actor_id=hall.id("胡敏"), topic_id=topic.id)
    assert topics.open_topic(hall.uow, actor_id=hall.id("徐芳"), topic_id=topic.id).state == TopicState.open
    assert hall.count(Topic) == 1


def test_bad_drafts_store_nothing(hall, clock):
    for kwargs in ({"title": ""}, {"title": "长" * 81}, {"background": " "}, {"lasts_hours": -1}):
        with pytest.raises(ValidationError):
            hall.create(**kwargs)
    with pytest.raises(ValidationError):
        hall.create(opens_in_hours=-1)
    assert hall.count(Topic) == 0
    assert hall.count(TopicEvent) == 0


def test_wrong_states_get_a_clear_answer(hall):
    topic = hall.open_now()
    with pytest.raises(InvalidTransitionError, match="已开放的议题只能延期"):
        topics.edit_topic(hall.uow, actor_id=hall.id("徐芳"), topic_id=topic.id, title="新标题")
    with pytest.raises(InvalidTransitionError):
        topics.open_topic(hall.uow, actor_id=hall.id("徐芳"), topic_id=topic.id)
    with pytest.raises(NotFoundError):
        topics.close_topic(hall.uow, actor_id=hall.id("徐芳"), topic_id=999_999)


def test_hall_mode_in_chat(hall, clock):
    topic = hall.open_now()
    resident = hall.id("杨帆")
    assert parse_scene(f"qrscene_topic:{topic.id}") == ("topic", str(topic.id))
    assert parse_scene("case:3") == ("case", "3") and parse_scene(None) == ("", "")
    assert [t.id for t in topics.list_open_topics_for(hall.uow, person_id=resident)] == [topic.id]
    with pytest.raises(InvalidTransitionError):
        topics.post_opinion_from_chat(hall.uow, person_id=resident, text="建议装红绿灯")
    assert topics.enter_topic_by_number(hall.uow, person_id=resident, number=1).id == topic.id
    assert topics.current_topic_for(hall.uow, person_id=resident).id == topic.id
    entered, opinion = topics.post_opinion_from_chat(hall.uow, person_id=resident, text="建议装红绿灯")
    assert (entered.id, opinion.source, opinion.topic_id) == (topic.id, "wechat", topic.id)
    with pytest.raises(ValidationError):
        topics.enter_topic_by_number(hall.uow, person_id=resident, number=2)
    assert topics.leave_topic(hall.uow, person_id=resident).id == topic.id
    assert topics.current_topic_for(hall.uow, person_id=resident) is None
    topics.enter_topic(hall.uow, person_id=resident, topic_id=topic.id)
    clock.advance(days=4)
    assert topics.current_topic_for(hall.uow, person_id=resident) is None
