"""Random actions by random actors: no illegal state, no lost event, the timeline replays to the state."""
from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select

from server.cases import rules as case_rules
from server.cases import service as cases
from server.cases.models import Case, CaseEvent
from server.cases.states import FINAL_STATES, CaseState, Holder
from server.core.errors import DomainError

ACTOR_NAMES = ["严民强", "陈海燕", "章小平", "沈建华", "张梦月"]
HOLDER_BY_STATE = {
    CaseState.accepted: {Holder.street_office},
    CaseState.routed: {Holder.handling_unit},
    CaseState.resolved: {Holder.reporter},
    CaseState.reopened: {Holder.handling_unit},
    CaseState.escalated: {Holder.district_committee},
    CaseState.submitted: {Holder.deputies, Holder.street_office},
}


def snapshot(runtime, case_id):
    with runtime.uow().transaction() as session:
        case = session.get(Case, case_id)
        events = list(session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id)
                                      .order_by(CaseEvent.sequence)))
        return case, events


def test_random_walks_through_the_engine(world, runtime, clock):
    people = {name: world.person(name).id for name in ACTOR_NAMES}
    people["office"] = world.office("hubin").id
    people["office_kaixuan"] = world.office("kaixuan").id
    people["unit"] = world.unit_staff("湖滨街道公共管理办公室").id
    people["other_unit"] = world.unit_staff("湖滨街道市场监管所").id
    units = [world.unit("湖滨街道公共管理办公室").id, world.unit("上城交警大队").id]
    actor = st.sampled_from(sorted(people))

    class CaseMachine(RuleBasedStateMachine):
        case_ids = Bundle("cases")

        def __init__(self):
            super().__init__()
            self.mine: list[int] = []  # only this example's cases are checked

        @initialize(target=case_ids)
        def first_case(self):
            self.mine.append(world.create_case().id)
            return self.mine[-1]

        @rule(target=case_ids, reporter=st.sampled_from(["章小平", "沈建华"]))
        def submit(self, reporter):
            self.mine.append(world.create_case(reporter=reporter).id)
            return self.mine[-1]

        def attempt(self, case_id, action):
            before, before_events = snapshot(runtime, case_id)
            try:
                action()
            except DomainError:
                after, after_events = snapshot(runtime, case_id)
                assert (after.state, after.holder, after.version) == (before.state, before.holder, before.version)
                assert len(after_events) == len(before_events)
                return
            after, after_events = snapshot(runtime, case_id)
            assert len(after_events) == len(before_events) + 1

        @rule(case_id=case_ids, who=actor, unit=st.sampled_from(units),
              verb=st.sampled_from(["accept", "forward", "route", "resolve", "reject", "escalate",
                                    "add_info", "rate_ok", "rate_bad", "auto_forward", "auto_close"]))
        def act(self, case_id, who, unit, verb):
            actor_id = people[who]
            uow = runtime.uow()
            calls = {
                "accept": lambda: cases.accept_case(uow, actor_id=actor_id, case_id=case_id),
                "forward": lambda: cases.forward_case(uow, actor_id=actor_id, case_id=case_id, note="请处理"),
                "route": lambda: cases.route_case(uow, actor_id=actor_id, case_id=case_id, unit_id=unit),
                "resolve": lambda: cases.resolve_case(uow, actor_id=actor_id, case_id=case_id, feedback="已办"),
                "reject": lambda: cases.reject_case(uow, actor_id=actor_id, case_id=case_id, reason="不属实"),
                "escalate": lambda: cases.escalate_case(uow, actor_id=actor_id, case_id=case_id, reason="复杂"),
                "add_info": lambda: cases.add_case_info(uow, actor_id=actor_id, case_id=case_id, text="补充"),
                "rate_ok": lambda: cases.rate_case(uow, actor_id=actor_id, case_id=case_id,
                                                   satisfaction="satisfied"),
                "rate_bad": lambda: cases.rate_case(uow, actor_id=actor_id, case_id=case_id,
                                                    satisfaction="dissatisfied"),
                "auto_forward": lambda: cases.auto_forward_case(uow, case_id=case_id),
                "auto_close": lambda: cases.auto_close_case(uow, case_id=case_id),
            }
            clock.advance(minutes=30)
            self.attempt(case_id, calls[verb])

        @rule(source=case_ids, target_id=case_ids)
        def merge(self, source, target_id):
            self.attempt(source, lambda: cases.merge_case(runtime.uow(), actor_id=people["office"],
                                                          case_id=source, into_case_id=target_id))

        @invariant()
        def every_timeline_replays_to_its_state(self):
            with runtime.uow().transaction() as session:
                for case in session.scalars(select(Case).where(Case.id.in_(self.mine))):
                    events = list(session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)
                                                  .order_by(CaseEvent.sequence)))
                    assert [e.sequence for e in events] == list(range(1, len(events) + 1))
                    assert case_rules.replay((e.from_state, e.to_state) for e in events) == case.state
                    if case.state in FINAL_STATES:
                        assert case.holder == Holder.nobody
                    else:
                        assert case.holder in HOLDER_BY_STATE[case.state]

    run_state_machine_as_test(CaseMachine, settings=settings(
        max_examples=10, stateful_step_count=15, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]))
