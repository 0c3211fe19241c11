"""Case queries: the SQL scope filter agrees with the domain's in_scope for every role and case."""
from __future__ import annotations

from sqlalchemy import select

from server.domain.case_rules import in_scope
from server.domain.enums import Role
from server.models import Case, Person
from server.services import case_queries, cases


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
