"""The demo's halls: made once, through the real services, with the 凤起东路 draft ready for 徐芳."""
from __future__ import annotations

from sqlalchemy import func, select

from server.cases.models import Case
from server.cases.states import CaseState
from server.demo.topics import FENGQI_TITLE, load_demo_topics
from server.halls import outcomes as topic_outcomes
from server.halls import service as topics
from server.halls.models import Topic
from server.halls.rules import TopicState
from server.places.models import Street
from server.pushes.models import OutboxMessage


def test_demo_topics_are_made_once_per_street_and_push_nothing(world, runtime, hall):
    made = load_demo_topics(runtime)
    assert load_demo_topics(runtime) == 0
    with runtime.uow().transaction() as session:
        streets = session.scalar(select(func.count()).select_from(Street))
        states = dict(session.execute(select(Topic.state, func.count()).group_by(Topic.state)).all())
        fengqi = session.scalar(select(Topic).where(Topic.title == FENGQI_TITLE))
        hall_cases = list(session.scalars(select(Case).where(Case.source == "hall")))
        pushes = session.scalar(select(func.count()).select_from(OutboxMessage))
    assert made == 3 * streets + 1
    assert states == {TopicState.open: streets, TopicState.draft: streets + 1, TopicState.concluded: streets}
    assert fengqi.state == TopicState.draft and fengqi.organizer_id == world.person("徐芳").id
    assert len(hall_cases) == streets and {c.state for c in hall_cases} == {CaseState.closed}
    assert pushes == 0
    figures = topic_outcomes.hall_figures(runtime.uow())
    assert figures["opinions"] == 7 * streets and figures["supports"] > figures["opinions"]
    assert figures["cases_created"] == streets
    # The story of the issue starts here: 徐芳 opens the draft.
    opened = topics.open_topic(runtime.uow(), actor_id=world.person("徐芳").id, topic_id=fengqi.id)
    assert opened.state == TopicState.open
