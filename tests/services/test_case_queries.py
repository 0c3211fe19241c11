"""Case queries: the SQL scope filter agrees with the domain's in_scope for every role and case."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from server.cases import queries as case_queries
from server.cases import service as cases
from server.cases.models import Case
from server.cases.rules import in_scope
from server.people.models import Person
from server.people.rules import Role

pytestmark = pytest.mark.both_databases("the scope filter and the duty record are SQL; their meaning must not depend on the dialect")


def test_sql_scope_matches_the_domain_rule_for_every_person_and_case(world, uow):
    hubin_unit = world.unit("湖滨街道公共管理办公室")
    kaixuan_unit = world.unit("凯旋街道公共管理办公室")
    routed = world.create_case()
    cases.route_case(uow, actor_id=world.office("hubin").id, case_id=routed.id, unit_id=hubin_unit.id)
    other = world.create_case(reporter="朱伟", description="路口红绿灯时间太短")
    cases.route_case(uow, actor_id=world.office("kaixuan").id, case_id=other.id, unit_id=kaixuan_unit.id)
    world.create_case(reporter="林国平", description="路灯坏了")  # a council member's own report
    world.create_case(reporter="严民强", description="凯旋这边井盖破损", street_id=world.street("kaixuan").id)
    community_deputy = world.create_person("社区代表", Role.deputy, "hubin",
                                           community_id=world.community("岳王路社区").id)
    assert community_deputy.id

    with uow.transaction() as session:
        people = list(session.scalars(select(Person)))
        all_cases = list(session.scalars(select(Case)))
        for person in people:
            actor = person.as_actor()
            by_sql = set(session.scalars(select(Case.id).where(case_queries.scope_clause(actor))))
            by_rule = {case.id for case in all_cases if in_scope(actor, case.scope)}
            assert by_sql == by_rule, (person.name, person.role)


def test_units_see_the_reporter_only_with_consent(world, uow):
    consenting = world.create_case(contact_consent=True)
    private = world.create_case(reporter="沈建华")
    unit = world.unit("湖滨街道公共管理办公室")
    staff = world.unit_staff(unit.name)
    for case in (consenting, private):
        cases.route_case(uow, actor_id=world.office("hubin").id, case_id=case.id, unit_id=unit.id)
    seen = {c["id"]: c["reporter"] for c in case_queries.list_cases(uow, actor_id=staff.id).items}
    assert seen[consenting.id]["name"] == "章小平" and seen[private.id] is None
    timeline = case_queries.get_case_detail(uow, actor_id=staff.id, case_id=private.id)["timeline"]
    assert timeline[0]["actor_name"] is None  # the reporter's own submit event stays anonymous
    office_view = case_queries.get_case_detail(uow, actor_id=world.office("hubin").id, case_id=private.id)
    assert office_view["reporter"]["name"] == "沈建华" and office_view["timeline"][0]["actor_name"] == "沈建华"


def _duty_record_one_count_at_a_time(uow, actor_id):
    """The duty record as it was first written: one count per figure (the reference for the one-query form)."""
    from server.cases.models import CaseEvent
    from server.cases.service import load_actor
    from server.cases.states import OPEN_STATES, CaseAction, CaseState, Satisfaction

    with uow.transaction() as session:
        now = uow.clock.now()
        actor = load_actor(session, actor_id)
        mine = Case.accepted_by_id == actor_id

        def count(*conditions):
            return session.scalar(select(func.count()).select_from(Case).where(*conditions)) or 0

        area = (case_queries.scope_clause(actor), Case.state.in_(list(OPEN_STATES)))
        return {
            "accepted": count(mine),
            "forwarded": session.scalar(select(func.count()).select_from(CaseEvent).where(
                CaseEvent.actor_id == actor_id, CaseEvent.action == CaseAction.forward)) or 0,
            "resolved": count(mine, Case.resolved_at.is_not(None)),
            "closed": count(mine, Case.state == CaseState.closed),
            "satisfied": count(mine, Case.satisfaction.in_([Satisfaction.satisfied,
                                                            Satisfaction.basically_satisfied])),
            "dissatisfied": count(mine, Case.satisfaction == Satisfaction.dissatisfied),
            "open_in_area": count(*area),
            "overdue_in_area": count(*area, case_queries.overdue_clause(now)),
        }


def test_the_duty_record_in_one_query_gives_the_same_figures_for_every_deputy(world, runtime, clock):
    from server.cases.states import Satisfaction
    from server.demo import load_demo

    load_demo(runtime, case_count=80)
    community_deputy = world.create_person("社区代表", Role.deputy, "hubin",
                                           community_id=world.community("岳王路社区").id)
    mine = world.create_case()
    cases.accept_case(runtime.uow(), actor_id=community_deputy.id, case_id=mine.id)
    cases.forward_case(runtime.uow(), actor_id=community_deputy.id, case_id=mine.id, note="请街道协调")
    unit = world.unit("湖滨街道公共管理办公室")
    cases.route_case(runtime.uow(), actor_id=world.office("hubin").id, case_id=mine.id, unit_id=unit.id)
    cases.resolve_case(runtime.uow(), actor_id=world.unit_staff(unit.name).id, case_id=mine.id, feedback="已办")
    cases.rate_case(runtime.uow(), actor_id=mine.reporter_id, case_id=mine.id,
                    satisfaction=Satisfaction.dissatisfied)
    world.create_case(description="小区门口路灯坏了")
    clock.advance(hours=80)  # some open cases are now past their deadline
    with runtime.uow().transaction() as session:
        deputies = list(session.scalars(select(Person.id).where(Person.role == Role.deputy)))
    records = {deputy: case_queries.duty_record(runtime.uow(), actor_id=deputy) for deputy in deputies}
    for deputy, record in records.items():
        assert record == _duty_record_one_count_at_a_time(runtime.uow(), deputy), deputy
    assert records[community_deputy.id]["dissatisfied"] == records[community_deputy.id]["forwarded"] == 1
    assert sum(record["accepted"] for record in records.values()) > 10
    assert any(record["overdue_in_area"] for record in records.values())
    assert any(record["satisfied"] for record in records.values())
