"""The 72-hour window as the clock moves: who is told what, and when; nothing twice."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from server.cases import jobs as deadlines
from server.cases import service as cases
from server.cases.jobs import sweep_deadlines
from server.cases.models import Case
from server.cases.states import CaseAction, CaseState, Holder, Satisfaction
from server.core.runtime import build_runtime

from .helpers import actions, claims, told

pytestmark = pytest.mark.both_databases("the deadline sweep claims with SKIP LOCKED and records reminders through ON CONFLICT")

H = timedelta(hours=1)


def sweep(runtime):
    return sweep_deadlines(runtime.uow())


def at(case, hours: float):
    return case.submitted_at + timedelta(hours=hours)


def test_a_case_left_alone_across_12_24_48_66_72_hours_and_7_days(world, runtime, clock):
    unit = world.unit("湖滨街道公共管理办公室")
    unit_staff = world.unit_staff(unit.name).name
    district = world.district().name
    case = world.create_case()
    start = case.submitted_at

    clock.advance(hours=11, minutes=59)
    assert sweep(runtime)["auto_forwarded"] == 0
    assert told(runtime, "case_auto_forwarded") == []

    clock.set(at(case, 12))
    assert sweep(runtime)["auto_forwarded"] == 1
    assert told(runtime, "case_auto_forwarded") == [
        ("case_auto_forwarded", "胡敏", at(case, 12), {"tracking_number": case.tracking_number})]
    assert world.reload(case).holder == Holder.street_office

    clock.set(at(case, 24))
    summary = sweep(runtime)
    assert (summary["reminders_sent"], summary["reminder_pushes"]) == (1, 1)
    assert sweep(runtime)["reminders_sent"] == 0  # the same instant again: nothing new
    clock.set(at(case, 30))
    cases.route_case(runtime.uow(), actor_id=world.office("hubin").id, case_id=case.id, unit_id=unit.id)
    for hours in (47, 48, 50, 66, 66.5):
        clock.set(at(case, hours))
        sweep(runtime)
    reminders = [(who, when - start, payload) for _, who, when, payload in told(runtime, "case_reminder")]
    number = case.tracking_number
    assert reminders == [
        ("胡敏", 24 * H, {"tracking_number": number, "hours_left": 48, "threshold": 24}),
        (unit_staff, 48 * H, {"tracking_number": number, "hours_left": 24, "threshold": 48}),
        (unit_staff, 66 * H, {"tracking_number": number, "hours_left": 6, "threshold": 66}),
    ]

    clock.set(at(case, 71.9))
    assert sweep(runtime)["overdue"] == 0
    clock.set(at(case, 72))
    assert sweep(runtime)["overdue"] == 1
    escalated = world.reload(case)
    assert (escalated.state, escalated.holder, escalated.overdue) == (
        CaseState.escalated, Holder.district_committee, True)
    assert [(kind, who, when - start) for kind, who, when, _ in told(runtime, "case_escalated", "case_overdue")] == [
        ("case_escalated", district, 72 * H), ("case_overdue", "胡敏", 72 * H)]
    assert sweep(runtime)["overdue"] == 0

    clock.set(at(case, 80))
    cases.route_case(runtime.uow(), actor_id=world.district().id, case_id=case.id, unit_id=unit.id)
    clock.set(at(case, 90))
    cases.resolve_case(runtime.uow(), actor_id=world.unit_staff(unit.name).id, case_id=case.id,
                       feedback="已补种绿化")
    assert sweep(runtime)["overdue"] == 0  # overdue once is enough: no second escalation
    assert [(who, when - start) for _, who, when, _ in told(runtime, "case_resolved")] == [("章小平", 90 * H)]

    clock.set(at(case, 90) + timedelta(days=7) - timedelta(minutes=1))
    assert sweep(runtime)["auto_closed"] == 0
    clock.set(at(case, 90) + timedelta(days=7))
    assert sweep(runtime)["auto_closed"] == 1
    closed = world.reload(case)
    assert closed.state == CaseState.closed and closed.next_check_at is None
    assert actions(runtime, case.id) == [
        CaseAction.submit, CaseAction.auto_forward, CaseAction.remind, CaseAction.route, CaseAction.remind,
        CaseAction.remind, CaseAction.escalate, CaseAction.route, CaseAction.resolve, CaseAction.auto_close]
    assert claims(runtime) == {(case.id, 24): 1, (case.id, 48): 1, (case.id, 66): 1}
    # Every instant swept again later changes nothing.
    clock.advance(days=30)
    assert sweep(runtime)["checked"] == 0


def test_reminders_go_to_the_deputies_while_they_hold_it_with_configured_hours(world, settings, engine, clock):
    runtime = build_runtime(settings.model_copy(update={"reminder_hours": (6, 30)}), clock=clock, engine=engine)
    case = world.create_case()
    clock.set(at(case, 6))
    sweep(runtime)
    assert [(who, payload["hours_left"]) for _, who, _, payload in told(runtime, "case_reminder")] == [
        ("严民强", 66), ("周立群", 66)]
    cases.accept_case(runtime.uow(), actor_id=world.person("严民强").id, case_id=case.id)
    clock.set(at(case, 30))
    sweep(runtime)
    assert [(who, payload["threshold"]) for _, who, _, payload in told(runtime, "case_reminder")][2:] == [
        ("胡敏", 30)]
    assert CaseAction.auto_forward not in actions(runtime, case.id)  # accepted in time


def test_a_sweep_that_was_down_sends_only_the_latest_reminder_and_records_all(world, runtime, clock):
    case = world.create_case()
    clock.set(at(case, 50))
    summary = sweep(runtime)
    assert summary["auto_forwarded"] == 1
    assert (summary["reminders_claimed"], summary["reminders_sent"]) == (2, 1)
    assert [(who, payload) for _, who, _, payload in told(runtime, "case_reminder")] == [
        ("胡敏", {"tracking_number": case.tracking_number, "hours_left": 22, "threshold": 48})]
    assert claims(runtime) == {(case.id, 24): 0, (case.id, 48): 1}


def test_past_the_deadline_the_overdue_notice_supersedes_every_reminder(world, runtime, clock):
    case = world.create_case()
    clock.set(at(case, 100))
    summary = sweep(runtime)
    assert (summary["auto_forwarded"], summary["overdue"], summary["reminders_sent"]) == (0, 1, 0)
    assert told(runtime, "case_reminder") == []
    assert claims(runtime) == {(case.id, 24): 0, (case.id, 48): 0, (case.id, 66): 0}
    assert world.reload(case).state == CaseState.escalated
    assert {kind for kind, _, _, _ in told(runtime)} == {"case_submitted", "case_escalated", "case_overdue"}


def test_a_reopened_case_is_re_planned_and_reminded_again(world, runtime, clock):
    unit = world.unit("湖滨街道公共管理办公室")
    staff = world.unit_staff(unit.name)
    case = world.create_case()
    cases.route_case(runtime.uow(), actor_id=world.office("hubin").id, case_id=case.id, unit_id=unit.id)
    clock.set(at(case, 20))
    cases.resolve_case(runtime.uow(), actor_id=staff.id, case_id=case.id, feedback="已处理")
    clock.set(at(case, 49))
    sweep(runtime)
    assert told(runtime, "case_reminder") == []  # resolved: the unit is not chased
    assert world.reload(case).next_check_at == at(case, 20) + timedelta(days=7)  # planned: auto-close
    clock.set(at(case, 55))
    cases.rate_case(runtime.uow(), actor_id=world.person("章小平").id, case_id=case.id,
                    satisfaction=Satisfaction.dissatisfied)
    sweep(runtime)
    assert [(who, payload["threshold"], payload["hours_left"])
            for _, who, _, payload in told(runtime, "case_reminder")] == [(staff.name, 48, 17)]
    clock.set(at(case, 72))
    sweep(runtime)
    assert world.reload(case).state == CaseState.escalated


def test_a_case_escalated_by_hand_is_flagged_overdue_at_72_hours(world, runtime, clock):
    case = world.create_case()
    clock.set(at(case, 2))
    cases.escalate_case(runtime.uow(), actor_id=world.office("hubin").id, case_id=case.id, reason="涉及多个部门")
    clock.set(at(case, 72))
    assert sweep(runtime)["overdue"] == 1
    flagged = world.reload(case)
    assert (flagged.state, flagged.overdue) == (CaseState.escalated, True)
    assert {(kind, who) for kind, who, _, _ in told(runtime, "case_overdue")} == {
        ("case_overdue", world.district().name), ("case_overdue", "胡敏")}


def test_closed_in_time_means_no_reminder_and_no_auto_close(world, runtime, clock):
    unit = world.unit("湖滨街道公共管理办公室")
    case = world.create_case()
    cases.route_case(runtime.uow(), actor_id=world.office("hubin").id, case_id=case.id, unit_id=unit.id)
    cases.resolve_case(runtime.uow(), actor_id=world.unit_staff(unit.name).id, case_id=case.id, feedback="已处理")
    cases.rate_case(runtime.uow(), actor_id=world.person("章小平").id, case_id=case.id,
                    satisfaction=Satisfaction.satisfied)
    assert world.reload(case).next_check_at is None  # finished: out of the sweep's queue
    for days in (1, 2, 3, 8):
        clock.set(at(case, 24 * days))
        assert sweep(runtime)["checked"] == 0
    assert told(runtime, "case_reminder", "case_overdue") == []


def test_re_planning_does_not_change_the_case_version(world, runtime, clock):
    case = world.create_case()
    version = world.reload(case).version
    clock.set(at(case, 1))
    assert sweep(runtime)["checked"] == 1
    planned = world.reload(case)
    assert planned.version == version and planned.next_check_at == at(case, 12)


def test_one_failing_case_does_not_block_the_others_and_is_retried(world, runtime, clock, monkeypatch):
    broken = world.create_case()
    healthy = world.create_case(reporter="沈建华", description="东坡路路灯不亮")
    real_auto_forward = cases.auto_forward_case

    def auto_forward_failing_for_one(uow, *, case_id):
        if case_id == broken.id:
            raise RuntimeError("simulated failure")
        return real_auto_forward(uow, case_id=case_id)

    monkeypatch.setattr(cases, "auto_forward_case", auto_forward_failing_for_one)
    clock.set(at(broken, 25))
    summary = sweep(runtime)
    assert (summary["errors"], summary["auto_forwarded"], summary["reminders_sent"]) == (1, 1, 1)
    assert world.reload(broken).state == CaseState.submitted and claims(runtime).keys() == {(healthy.id, 24)}
    assert world.reload(broken).next_check_at == clock.now() + deadlines.RETRY_FAILED_AFTER
    assert sweep(runtime)["checked"] == 0  # not hammered again at once
    monkeypatch.setattr(cases, "auto_forward_case", real_auto_forward)
    clock.advance(deadlines.RETRY_FAILED_AFTER)
    summary = sweep(runtime)
    assert (summary["errors"], summary["auto_forwarded"], summary["reminders_sent"]) == (0, 1, 1)


@pytest.mark.parametrize("batch_size", [1, 3])
def test_small_batches_and_a_per_run_cap_still_reach_every_due_case(world, runtime, clock, batch_size):
    made = [world.create_case(description=f"第{i}处绿化枯萎") for i in range(7)]
    clock.set(at(made[-1], 25))
    first = sweep_deadlines(runtime.uow(), batch_size=batch_size, max_cases=5)
    rest = sweep_deadlines(runtime.uow(), batch_size=batch_size, max_cases=5)
    assert (first["checked"], rest["checked"]) == (5, 2)
    assert first["reminders_sent"] + rest["reminders_sent"] == 7
    with runtime.uow().transaction() as session:
        assert session.scalar(select(Case.id).where(Case.next_check_at <= clock.now())) is None
