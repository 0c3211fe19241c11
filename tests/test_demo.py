from __future__ import annotations

from sqlalchemy import func, select

from server.cases import rules as case_rules
from server.cases.models import Case, CaseEvent
from server.cases.states import CaseState
from server.demo import load_demo
from server.people.models import Person
from server.places.models import Street


def test_seed_demo_is_idempotent_and_plays_realistic_histories(runtime):
    first = load_demo(runtime, case_count=40)
    second = load_demo(runtime, case_count=40)
    assert first["reference_rows_created"] > 100 and first["demo_cases_created"] == 40
    with runtime.uow().transaction() as session:
        streets = set(session.scalars(select(Street.name)))
    # Each street's concluded demo hall turned one opinion into a case as well, its two past reception days
    # five matters (server/demo/deputies.py), and 采荷's inspection three suggestions.
    assert second == {"reference_rows_created": 0, "demo_cases_created": 0, "demo_topics_created": 0,
                      "demo_linkage_tasks_created": 0, "demo_reception_days_created": 0,
                      "cases_total": 40 + len(streets) * (1 + 5) + 3}
    with runtime.uow().transaction() as session:
        assert {"湖滨街道", "凯旋街道", "采荷街道"} <= streets
        assert session.scalar(select(Person).where(Person.name == "严民强")).street_id is not None
        states = {row for row in session.scalars(select(Case.state))}
        assert CaseState.closed in states
        for case in session.scalars(select(Case)):
            events = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)
                                     .order_by(CaseEvent.sequence))
            assert case_rules.replay((e.from_state, e.to_state) for e in events) == case.state
        assert session.scalar(select(func.count()).select_from(CaseEvent)) > 100
