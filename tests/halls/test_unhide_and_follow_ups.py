"""Un-hiding an opinion and finishing a follow-up: organisers of the topic's street only, once each."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from server.core.errors import ConflictError, NotFoundError, PermissionDeniedError
from server.halls import opinions, outcomes
from server.halls import service as topics
from server.halls.models import Opinion, TopicEvent, TopicFollowUp


def events(hall, topic_id) -> list[tuple[str, str | None]]:
    with hall.uow.transaction() as session:
        return [(e.action.value, e.note) for e in session.scalars(
            select(TopicEvent).where(TopicEvent.topic_id == topic_id).order_by(TopicEvent.id))]


def test_an_organiser_shows_a_hidden_opinion_again(hall):
    topic = hall.open_now()
    opinion = opinions.post_opinion(hall.uow, author_id=hall.id("朱伟"), topic_id=topic.id, text="路口太危险")
    opinions.hide_opinion(hall.uow, actor_id=hall.id("徐芳"), opinion_id=opinion.id, reason="误判")
    with pytest.raises(PermissionDeniedError):
        opinions.unhide_opinion(hall.uow, actor_id=hall.id("胡敏"), opinion_id=opinion.id)  # another street
    shown = opinions.unhide_opinion(hall.uow, actor_id=hall.id("张梦月"), opinion_id=opinion.id)  # the district
    assert not shown.hidden and shown.hide_reason is None
    with pytest.raises(ConflictError):
        opinions.unhide_opinion(hall.uow, actor_id=hall.id("徐芳"), opinion_id=opinion.id)
    assert events(hall, topic.id)[-2:] == [("hide", "误判"), ("unhide", None)]
    with hall.uow.transaction() as session:
        unhide = session.scalar(select(TopicEvent).where(TopicEvent.action == "unhide"))
        assert unhide.data == {"hide_reason": "误判"} and unhide.opinion_id == opinion.id
        assert not session.get(Opinion, opinion.id).hidden


def test_a_follow_up_is_marked_done_once_by_its_organisers(hall):
    topic = hall.open_now()
    topics.close_topic(hall.uow, actor_id=hall.id("徐芳"), topic_id=topic.id)
    outcomes.conclude_topic(hall.uow, actor_id=hall.id("徐芳"), topic_id=topic.id, summary="增设隔离栏",
                            follow_ups=["三个月后回访"])
    with hall.uow.transaction() as session:
        follow_up_id = session.scalar(select(TopicFollowUp.id).where(TopicFollowUp.topic_id == topic.id))
    with pytest.raises(PermissionDeniedError):
        outcomes.complete_follow_up(hall.uow, actor_id=hall.id("胡敏"), follow_up_id=follow_up_id)
    with pytest.raises(NotFoundError):
        outcomes.complete_follow_up(hall.uow, actor_id=hall.id("徐芳"), follow_up_id=follow_up_id + 1000)
    done = outcomes.complete_follow_up(hall.uow, actor_id=hall.id("徐芳"), follow_up_id=follow_up_id)
    assert done.done_at == hall.clock.now()
    with pytest.raises(ConflictError):
        outcomes.complete_follow_up(hall.uow, actor_id=hall.id("徐芳"), follow_up_id=follow_up_id)
    assert events(hall, topic.id)[-1] == ("follow_up_done", "三个月后回访")
    from server.halls import queries
    assert queries.get_topic(hall.uow, topic_id=topic.id)["follow_ups"][0]["done_at"] == hall.clock.now().isoformat()


@pytest.mark.both_databases("the street row lock decides between two creations at the same instant")
def test_a_topic_sent_twice_at_once_is_made_once(hall):
    from server.halls.models import Topic
    from tests.concurrency import raised, run_together

    results = run_together([lambda: hall.create(opens_in_hours=None) for _ in range(3)])
    assert len(raised(results)) == 2 and all(isinstance(exc, ConflictError) for exc in raised(results))
    assert hall.count(Topic) == 1


@pytest.mark.both_databases("two clicks on 恢复显示 and 标记完成 at the same instant: the topic row lock decides")
def test_un_hide_and_follow_up_clicked_twice_at_once(hall):
    topic = hall.open_now()
    opinion = opinions.post_opinion(hall.uow, author_id=hall.id("朱伟"), topic_id=topic.id, text="路口太危险")
    opinions.hide_opinion(hall.uow, actor_id=hall.id("徐芳"), opinion_id=opinion.id, reason="误判")
    from tests.concurrency import raised, run_together

    results = run_together([lambda: opinions.unhide_opinion(hall.runtime.uow(), actor_id=hall.id("徐芳"),
                                                            opinion_id=opinion.id) for _ in range(2)])
    assert [type(exc) for exc in raised(results)] == [ConflictError]
    assert [action for action, _ in events(hall, topic.id)].count("unhide") == 1
