"""Opinions, supports, moderation and conclusions at the service layer; bad input stores nothing."""
from __future__ import annotations

import pytest

from server.cases.models import Case
from server.cases.states import CaseState
from server.core.errors import (
    ConflictError,
    InvalidTransitionError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from server.halls import opinions
from server.halls import outcomes as topic_outcomes
from server.halls import queries as topic_queries
from server.halls import service as topics
from server.halls.models import Opinion, Support, TopicEvent
from server.halls.outcomes import OpinionCase
from server.halls.rules import TopicState

pytestmark = pytest.mark.both_databases("supports go in through ON CONFLICT DO NOTHING RETURNING; topics are locked FOR UPDATE")


def post(hall, topic, name, text="建议在景芳路口加装隔离栏"):
    return opinions.post_opinion(hall.uow, author_id=hall.id(name), topic_id=topic.id, text=text)


def test_bad_opinions_get_a_clear_error_and_store_nothing(hall, clock):
    draft = hall.create()
    topic = hall.open_now(title="景芳路口信号灯配时")
    cases = [
        (dict(topic_id=topic.id, text=""), ValidationError, "请填写意见内容"),
        (dict(topic_id=topic.id, text="   "), ValidationError, "请填写意见内容"),
        (dict(topic_id=topic.id, text="长" * 10_000), ValidationError, "不能超过 2000 字"),
        (dict(topic_id=987_654, text="有用的意见"), NotFoundError, "找不到该议题"),
        (dict(topic_id=draft.id, text="有用的意见"), InvalidTransitionError, "未开放"),
        (dict(topic_id=topic.id, text="有用的意见", attachment_ids=[424242]), ValidationError, "图片不存在"),
    ]
    for kwargs, error, message in cases:
        with pytest.raises(error, match=message):
            opinions.post_opinion(hall.uow, author_id=hall.id("朱伟"), **kwargs)
    with pytest.raises(PermissionDeniedError):
        opinions.post_opinion(hall.uow, author_id=hall.id("徐芳"), topic_id=topic.id, text="组织者不发意见")
    assert post(hall, topic, "朱伟", "长" * 2000).text == "长" * 2000
    clock.advance(days=4)  # past closes_at, before the sweep: already closed for opinions
    with pytest.raises(InvalidTransitionError, match="已截止"):
        post(hall, topic, "杨帆")
    topics.close_due(hall.uow)
    with pytest.raises(InvalidTransitionError, match="已截止"):
        post(hall, topic, "杨帆")
    assert hall.count(Opinion) == 1


def test_one_support_per_resident_withdrawable(hall):
    topic = hall.open_now()
    opinion = post(hall, topic, "张秀英")
    assert opinion.is_council_member is True
    assert opinions.support_opinion(hall.uow, person_id=hall.id("朱伟"), opinion_id=opinion.id).support_count == 1
    with pytest.raises(ConflictError, match="您已附议过这条意见"):
        opinions.support_opinion(hall.uow, person_id=hall.id("朱伟"), opinion_id=opinion.id)
    with pytest.raises(ValidationError, match="不能附议自己的意见"):
        opinions.support_opinion(hall.uow, person_id=hall.id("张秀英"), opinion_id=opinion.id)
    assert opinions.support_opinion(hall.uow, person_id=hall.id("杨帆"), opinion_id=opinion.id).support_count == 2
    assert opinions.withdraw_support(hall.uow, person_id=hall.id("朱伟"), opinion_id=opinion.id).support_count == 1
    with pytest.raises(ConflictError, match="还没有附议"):
        opinions.withdraw_support(hall.uow, person_id=hall.id("朱伟"), opinion_id=opinion.id)
    with pytest.raises(NotFoundError):
        opinions.support_opinion(hall.uow, person_id=hall.id("朱伟"), opinion_id=999_999)
    assert hall.count(Support) == 1


def test_a_hidden_opinion_is_seen_only_by_its_author_with_the_reason(hall):
    topic = hall.open_now()
    kept = post(hall, topic, "张秀英")
    ad = post(hall, topic, "朱伟", "广告：代办驾照")
    with pytest.raises(ValidationError):
        opinions.hide_opinion(hall.uow, actor_id=hall.id("徐芳"), opinion_id=ad.id, reason="")
    with pytest.raises(PermissionDeniedError):
        opinions.hide_opinion(hall.uow, actor_id=hall.id("胡敏"), opinion_id=ad.id, reason="广告")
    opinions.hide_opinion(hall.uow, actor_id=hall.id("徐芳"), opinion_id=ad.id, reason="与议题无关的广告")
    with pytest.raises(NotFoundError, match="已被隐藏"):
        opinions.support_opinion(hall.uow, person_id=hall.id("杨帆"), opinion_id=ad.id)

    def seen(viewer):
        view = topic_queries.list_opinions(hall.uow, topic_id=topic.id, viewer_id=viewer)
        return {o["id"]: o.get("hide_reason") for o in view["items"]}

    assert seen(hall.id("杨帆")) == {kept.id: None}
    assert seen(None) == {kept.id: None}
    assert seen(hall.id("朱伟")) == {kept.id: None, ad.id: "与议题无关的广告"}
    assert seen(hall.id("徐芳")) == {kept.id: None, ad.id: "与议题无关的广告"}
    with hall.runtime.uow().transaction() as session:
        event = session.query(TopicEvent).filter_by(action="hide").one()
        assert (event.note, event.data["text"]) == ("与议题无关的广告", "广告：代办驾照")


def test_pin_one_and_reply_and_sort(hall, clock):
    topic = hall.open_now()
    first, second = post(hall, topic, "张秀英", "第一条"), post(hall, topic, "朱伟", "第二条")
    clock.advance(minutes=5)
    third = post(hall, topic, "杨帆", "第三条")
    opinions.support_opinion(hall.uow, person_id=hall.id("许婷"), opinion_id=second.id)
    opinions.pin_opinion(hall.uow, actor_id=hall.id("徐芳"), opinion_id=first.id)
    opinions.pin_opinion(hall.uow, actor_id=hall.id("徐芳"), opinion_id=third.id)
    opinions.reply_to_opinion(hall.uow, actor_id=hall.id("徐芳"), opinion_id=second.id, text="已记录，谢谢")

    def order(sort):
        return [o["id"] for o in topic_queries.list_opinions(hall.uow, topic_id=topic.id, sort=sort)["items"]]

    assert order("supports") == [third.id, second.id, first.id]
    assert order("time") == [third.id, second.id, first.id]
    page = topic_queries.list_opinions(hall.uow, topic_id=topic.id, sort="time", limit=2)
    assert (len(page["items"]), page["total"], page["next_offset"]) == (2, 3, 2)
    page = topic_queries.list_opinions(hall.uow, topic_id=topic.id, sort="time", offset=2, limit=2)
    assert ([o["id"] for o in page["items"]], page["next_offset"]) == ([first.id], None)
    assert [p.recipient_id for p in hall.pushes("opinion_replied")] == [hall.id("朱伟")]
    with pytest.raises(ValidationError):
        topic_queries.list_opinions(hall.uow, topic_id=topic.id, sort="random")


def test_conclude_turns_an_opinion_into_a_case_routed_to_the_traffic_police(hall, world, clock):
    topic = hall.open_now()
    crossing = post(hall, topic, "张秀英", "景芳路口行人横穿马路严重，建议增设隔离栏和过街信号灯")
    other = post(hall, topic, "朱伟", "公交站台往东移一点")
    opinions.support_opinion(hall.uow, person_id=hall.id("杨帆"), opinion_id=crossing.id)
    police = world.unit("上城交警大队")
    with pytest.raises(InvalidTransitionError, match="截止后才能公布结果"):
        topic_outcomes.conclude_topic(hall.uow, actor_id=hall.id("徐芳"), topic_id=topic.id, summary="结果")
    topics.close_topic(hall.uow, actor_id=hall.id("徐芳"), topic_id=topic.id)
    with pytest.raises(ValidationError):  # an unknown unit: the whole conclusion is refused
        topic_outcomes.conclude_topic(hall.uow, actor_id=hall.id("徐芳"), topic_id=topic.id, summary="结果",
                                      case_requests=[OpinionCase(crossing.id, unit_id=999_999)])
    assert hall.count(Case) == 0 and hall.count(Opinion, Opinion.adopted.is_(True)) == 0
    concluded = topic_outcomes.conclude_topic(
        hall.uow, actor_id=hall.id("徐芳"), topic_id=topic.id, summary="采纳增设隔离栏的建议，已转交警办理",
        adopted_opinion_ids=[other.id], case_requests=[OpinionCase(crossing.id, unit_id=police.id)],
        follow_ups=["公交站台位置与公交公司协商"])
    assert concluded.state == TopicState.concluded
    case_id = topic_outcomes.opinion_case_id(hall.uow, opinion_id=crossing.id)
    case = world.reload(Case(id=case_id))
    assert (case.state, case.handling_unit_id, case.reporter_id, case.source) == (
        CaseState.routed, police.id, hall.id("张秀英"), "hall")
    assert topic_outcomes.opinion_for_case(hall.uow, case_id=case_id).id == crossing.id
    assert {p.recipient_id for p in hall.pushes("topic_concluded")} == {
        hall.id("张秀英"), hall.id("朱伟"), hall.id("杨帆")}
    assert topic_outcomes.topic_figures(hall.uow, topic_id=topic.id) == {
        "participants": 3, "opinions": 2, "hidden": 0, "supports": 1, "adopted": 2, "cases_created": 1}
    with pytest.raises(ConflictError):
        topic_outcomes.create_case_from_opinion(hall.uow, actor_id=hall.id("徐芳"), opinion_id=crossing.id)
