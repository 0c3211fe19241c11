"""The core loop, step by step, as the seed tells it: report, accept, route, resolve, rate."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from server.cases import service as cases
from server.cases.models import CaseEvent
from server.cases.states import CaseAction, CaseState, Holder, Satisfaction
from server.core.errors import InvalidTransitionError, NotFoundError, PermissionDeniedError, ValidationError
from server.pushes.models import OutboxMessage

pytestmark = pytest.mark.both_databases("case rows are locked FOR UPDATE and tracking numbers come from an ON CONFLICT counter")


def events_of(uow, case):
    with uow.transaction() as session:
        return list(session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)
                                    .order_by(CaseEvent.sequence)))


def outbox(uow, kind=None):
    with uow.transaction() as session:
        query = select(OutboxMessage)
        if kind:
            query = query.where(OutboxMessage.kind == kind)
        return list(session.scalars(query))


def test_the_seed_story_closes_inside_72_hours(world, uow, clock):
    case = world.create_case()
    assert re.fullmatch(r"MY-20261128-0001", case.tracking_number)
    assert case.state == CaseState.submitted and case.holder == Holder.deputies
    assert case.deadline_at - case.submitted_at == timedelta(hours=72)
    assert case.category_id == world.category("greenery").id  # suggested from keywords
    assert {m.recipient_id for m in outbox(uow, "case_submitted")} == {
        world.person("严民强").id, world.person("周立群").id}

    clock.advance(hours=1)
    case = cases.accept_case(uow, actor_id=world.person("严民强").id, case_id=case.id)
    assert case.state == CaseState.accepted and case.holder == Holder.street_office
    unit = world.unit("湖滨街道公共管理办公室")
    case = cases.route_case(uow, actor_id=world.office("hubin").id, case_id=case.id, unit_id=unit.id)
    assert case.state == CaseState.routed and case.holder == Holder.handling_unit
    clock.advance(hours=47)
    case = cases.resolve_case(uow, actor_id=world.unit_staff(unit.name).id, case_id=case.id,
                              feedback="小区绿化补种工作全部完成")
    assert case.state == CaseState.resolved and case.holder == Holder.reporter
    assert [m.recipient_id for m in outbox(uow, "case_resolved")] == [world.person("章小平").id]
    case = cases.rate_case(uow, actor_id=world.person("章小平").id, case_id=case.id,
                           satisfaction=Satisfaction.satisfied)
    assert case.state == CaseState.closed and case.satisfaction == Satisfaction.satisfied
    assert [e.action for e in events_of(uow, case)] == [
        CaseAction.submit, CaseAction.accept, CaseAction.route, CaseAction.resolve, CaseAction.rate]


def test_dissatisfied_reopens_back_to_the_unit_and_counts_as_rework(world, uow):
    unit = world.unit("湖滨街道公共管理办公室")
    case = world.create_case()
    cases.route_case(uow, actor_id=world.office("hubin").id, case_id=case.id, unit_id=unit.id)
    cases.resolve_case(uow, actor_id=world.unit_staff(unit.name).id, case_id=case.id, feedback="已处理")
    case = cases.rate_case(uow, actor_id=world.person("章小平").id, case_id=case.id, satisfaction="dissatisfied",
                           comment="还没有补种")
    assert case.state == CaseState.reopened and case.holder == Holder.handling_unit and case.reopen_count == 1
    case = cases.resolve_case(uow, actor_id=world.unit_staff(unit.name).id, case_id=case.id, feedback="已补种")
    assert case.state == CaseState.resolved


def test_a_deputy_of_another_street_cannot_accept(world, uow):
    case = world.create_case()
    with pytest.raises(PermissionDeniedError, match="辖区"):
        cases.accept_case(uow, actor_id=world.person("陈海燕").id, case_id=case.id)
    assert world.reload(case).state == CaseState.submitted
    assert len(events_of(uow, case)) == 1


def test_a_resident_cannot_route_and_nothing_changes(world, uow):
    case = world.create_case()
    with pytest.raises(PermissionDeniedError):
        cases.route_case(uow, actor_id=world.person("章小平").id, case_id=case.id,
                         unit_id=world.unit("湖滨街道公共管理办公室").id)
    assert world.reload(case).state == CaseState.submitted


def test_a_street_office_cannot_route_to_another_streets_unit(world, uow):
    case = world.create_case()
    with pytest.raises(ValidationError):
        cases.route_case(uow, actor_id=world.office("hubin").id, case_id=case.id,
                         unit_id=world.unit("凯旋街道公共管理办公室").id)
    cases.route_case(uow, actor_id=world.office("hubin").id, case_id=case.id, unit_id=world.unit("上城交警大队").id)


def test_only_the_routed_unit_resolves(world, uow):
    case = world.create_case()
    cases.route_case(uow, actor_id=world.office("hubin").id, case_id=case.id,
                     unit_id=world.unit("湖滨街道公共管理办公室").id)
    with pytest.raises(PermissionDeniedError):
        cases.resolve_case(uow, actor_id=world.unit_staff("湖滨街道市场监管所").id, case_id=case.id, feedback="x")


def test_accepting_twice_is_an_invalid_transition(world, uow):
    case = world.create_case()
    cases.accept_case(uow, actor_id=world.person("严民强").id, case_id=case.id)
    with pytest.raises(InvalidTransitionError, match="代表已接收"):
        cases.accept_case(uow, actor_id=world.person("周立群").id, case_id=case.id)


def test_reject_needs_a_reason(world, uow):
    case = world.create_case()
    with pytest.raises(ValidationError, match="理由"):
        cases.reject_case(uow, actor_id=world.office("hubin").id, case_id=case.id, reason="  ")
    case = cases.reject_case(uow, actor_id=world.office("hubin").id, case_id=case.id, reason="不属于受理范围")
    assert case.state == CaseState.rejected and case.holder == Holder.nobody
    assert [m.recipient_id for m in outbox(uow, "case_rejected")] == [world.person("章小平").id]


def test_merge_into_another_open_case_of_the_same_street(world, uow):
    first = world.create_case()
    second = world.create_case(reporter="沈建华")
    with pytest.raises(ValidationError):
        cases.merge_case(uow, actor_id=world.office("hubin").id, case_id=second.id, into_case_id=second.id)
    merged = cases.merge_case(uow, actor_id=world.office("hubin").id, case_id=second.id, into_case_id=first.id)
    assert merged.state == CaseState.merged and merged.merged_into_id == first.id
    with pytest.raises(ValidationError):
        cases.merge_case(uow, actor_id=world.office("hubin").id, case_id=first.id, into_case_id=second.id)


def test_escalated_case_is_rerouted_only_by_the_district(world, uow):
    case = world.create_case()
    case = cases.escalate_case(uow, actor_id=world.office("hubin").id, case_id=case.id, reason="超出街道职权")
    assert case.state == CaseState.escalated and case.holder == Holder.district_committee
    with pytest.raises(PermissionDeniedError, match="区人大常委会"):
        cases.route_case(uow, actor_id=world.office("hubin").id, case_id=case.id,
                         unit_id=world.unit("上城交警大队").id)
    case = cases.route_case(uow, actor_id=world.district().id, case_id=case.id, unit_id=world.unit("上城交警大队").id)
    assert case.state == CaseState.routed


def test_system_auto_forward_and_auto_close(world, uow, clock):
    case = world.create_case()
    clock.advance(hours=12)
    case = cases.auto_forward_case(uow, case_id=case.id)
    assert case.state == CaseState.submitted and case.holder == Holder.street_office
    assert {m.recipient_id for m in outbox(uow, "case_auto_forwarded")} == {world.office("hubin").id}
    unit = world.unit("湖滨街道公共管理办公室")
    cases.route_case(uow, actor_id=world.office("hubin").id, case_id=case.id, unit_id=unit.id)
    cases.resolve_case(uow, actor_id=world.unit_staff(unit.name).id, case_id=case.id, feedback="已处理")
    clock.advance(days=7)
    case = cases.auto_close_case(uow, case_id=case.id)
    assert case.state == CaseState.closed and case.satisfaction is None


def test_only_the_reporter_rates(world, uow):
    unit = world.unit("湖滨街道公共管理办公室")
    case = world.create_case()
    cases.route_case(uow, actor_id=world.office("hubin").id, case_id=case.id, unit_id=unit.id)
    cases.resolve_case(uow, actor_id=world.unit_staff(unit.name).id, case_id=case.id, feedback="已处理")
    with pytest.raises(PermissionDeniedError, match="反映人本人"):
        cases.rate_case(uow, actor_id=world.person("沈建华").id, case_id=case.id, satisfaction="satisfied")
    with pytest.raises(ValidationError):
        cases.rate_case(uow, actor_id=world.person("章小平").id, case_id=case.id, satisfaction="great")


def test_bad_submissions_store_nothing(world, uow):
    reporter = world.person("章小平")
    for kwargs, message in [
        ({"description": ""}, "问题描述"),
        ({"description": "长" * 2001}, "2000"),
        ({"description": "路灯坏了", "community_id": world.community("景芳社区").id,
          "street_id": world.street("hubin").id}, "社区"),
        ({"description": "路灯坏了", "category_id": 999999}, "分类"),
    ]:
        with pytest.raises(ValidationError, match=message):
            cases.submit_case(uow, reporter_id=reporter.id, **kwargs)
    with pytest.raises(NotFoundError):
        cases.submit_case(uow, reporter_id=999999, description="路灯坏了")
    with uow.transaction() as session:
        from server.cases.models import Case
        assert session.scalar(select(func.count()).select_from(Case)) == 0


def test_emoji_and_long_texts_are_kept_whole(world, uow):
    text = "路灯坏了🌃" + "很" * 1990
    case = world.create_case(description=text)
    assert world.reload(case).description == text


def test_tracking_numbers_use_the_shanghai_day(world, uow, clock):
    from datetime import UTC, datetime
    clock.set(datetime(2026, 11, 28, 16, 30, tzinfo=UTC))  # 00:30 on the 29th in Shanghai
    assert world.create_case().tracking_number == "MY-20261129-0001"
    assert world.create_case().tracking_number == "MY-20261129-0002"


def test_unknown_case_and_inactive_actor(world, uow):
    with pytest.raises(NotFoundError):
        cases.accept_case(uow, actor_id=world.person("严民强").id, case_id=424242)
