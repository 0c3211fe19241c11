from __future__ import annotations

import pytest

from server.cases import rules as case_rules
from server.cases.rules import CaseScope
from server.cases.states import CaseAction, CaseState
from server.core.errors import InvalidTransitionError, PermissionDeniedError
from server.people.rules import Actor, Role

S = CaseState


def scope(state=S.submitted, street=1, community=10, unit=None, reporter=7):
    return CaseScope(state=state, reporter_id=reporter, street_id=street, community_id=community, unit_id=unit)


def test_deputy_scope_is_their_street_and_optionally_community():
    assert case_rules.in_scope(Actor(1, Role.deputy, street_id=1), scope())
    assert case_rules.in_scope(Actor(1, Role.deputy, street_id=1, community_id=10), scope())
    assert not case_rules.in_scope(Actor(1, Role.deputy, street_id=1, community_id=11), scope())
    assert not case_rules.in_scope(Actor(1, Role.deputy, street_id=2), scope())


def test_unit_sees_only_its_cases_and_district_sees_all():
    assert case_rules.in_scope(Actor(1, Role.handling_unit, unit_id=5), scope(unit=5))
    assert not case_rules.in_scope(Actor(1, Role.handling_unit, unit_id=5), scope(unit=6))
    assert case_rules.in_scope(Actor(1, Role.district_committee), scope(street=99))


@pytest.mark.parametrize("action,state", [(CaseAction.resolve, S.submitted), (CaseAction.accept, S.closed),
                                          (CaseAction.rate, S.routed)])
def test_impossible_transitions_name_the_state(action, state):
    actor = {CaseAction.resolve: Actor(1, Role.handling_unit, unit_id=5),
             CaseAction.accept: Actor(1, Role.deputy, street_id=1),
             CaseAction.rate: Actor(7, Role.resident)}[action]
    with pytest.raises(InvalidTransitionError):
        case_rules.check(action, actor, scope(state=state, unit=5))


def test_system_only_actions_refuse_people():
    with pytest.raises(PermissionDeniedError):
        case_rules.check(CaseAction.auto_forward, Actor(1, Role.street_office, street_id=1), scope())


def test_replay_follows_allowed_steps_and_refuses_gaps():
    assert case_rules.replay([(None, S.submitted), (S.submitted, S.accepted), (S.accepted, S.routed)]) == S.routed
    with pytest.raises(InvalidTransitionError):
        case_rules.replay([(None, S.submitted), (S.accepted, S.routed)])
    with pytest.raises(InvalidTransitionError):
        case_rules.replay([(None, S.submitted), (S.submitted, S.closed)])
