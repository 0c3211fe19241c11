"""Who may move a case from which state to which, and who holds it afterwards."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from server.cases.states import FINAL_STATES, OPEN_STATES, STATE_LABELS, CaseAction, CaseState, Holder
from server.core.errors import InvalidTransitionError, PermissionDeniedError
from server.people.rules import OFFICE_ROLES, RESIDENT_ROLES, Actor, Role

S = CaseState


@dataclass(frozen=True)
class CaseScope:
    state: CaseState
    reporter_id: int | None
    street_id: int
    community_id: int | None
    unit_id: int | None
    assisting_unit_ids: frozenset[int] = frozenset()  # units helping the lead unit (协办)


@dataclass(frozen=True)
class Rule:
    from_states: frozenset[CaseState]
    roles: frozenset[Role]
    to_state: CaseState | None  # None: the state stays as it is
    holder: Holder | None  # None: the holder stays as it is


def _rule(from_states: Iterable[CaseState], roles: Iterable[Role], to_state=None, holder=None) -> Rule:
    return Rule(frozenset(from_states), frozenset(roles), to_state, holder)


ANY_OPEN = OPEN_STATES
RULES: dict[CaseAction, Rule] = {
    CaseAction.accept: _rule({S.submitted}, {Role.deputy}, S.accepted, Holder.street_office),
    CaseAction.forward: _rule({S.accepted}, {Role.deputy}, None, Holder.street_office),
    CaseAction.auto_forward: _rule({S.submitted}, {Role.system}, None, Holder.street_office),
    CaseAction.route: _rule(
        {S.submitted, S.accepted, S.routed, S.reopened, S.escalated}, OFFICE_ROLES, S.routed, Holder.handling_unit
    ),
    CaseAction.resolve: _rule({S.routed, S.reopened}, {Role.handling_unit}, S.resolved, Holder.reporter),
    CaseAction.rate: _rule({S.resolved}, RESIDENT_ROLES | {Role.deputy, Role.street_office}, S.closed, Holder.nobody),
    CaseAction.reopen: _rule({S.resolved}, RESIDENT_ROLES | {Role.deputy, Role.street_office}, S.reopened,
                             Holder.handling_unit),
    CaseAction.auto_close: _rule({S.resolved}, {Role.system}, S.closed, Holder.nobody),
    CaseAction.reject: _rule({S.submitted, S.accepted, S.escalated}, OFFICE_ROLES, S.rejected, Holder.nobody),
    CaseAction.merge: _rule(ANY_OPEN, OFFICE_ROLES, S.merged, Holder.nobody),
    CaseAction.escalate: _rule(
        {S.submitted, S.accepted, S.routed, S.reopened}, {Role.street_office, Role.system},
        S.escalated, Holder.district_committee,
    ),
    CaseAction.add_info: _rule(ANY_OPEN, RESIDENT_ROLES | {Role.deputy, Role.street_office}, None, None),
    CaseAction.recategorize: _rule(ANY_OPEN, OFFICE_ROLES, None, None),
    CaseAction.remind: _rule(ANY_OPEN, {Role.system}, None, None),
    CaseAction.anonymise: _rule(FINAL_STATES, {Role.system}, None, None),
    CaseAction.note: _rule(frozenset(S), OFFICE_ROLES | {Role.handling_unit}, None, None),
    CaseAction.assign: _rule({S.routed, S.reopened}, {Role.handling_unit}, None, None),
    # The unit hands the case back: the street office's queue holds it until it routes again.
    CaseAction.request_reroute: _rule({S.routed, S.reopened}, {Role.handling_unit}, None, Holder.street_office),
}

# Staff-only steps: on the console's timeline, never in what the resident reads (API, chat).
INTERNAL_ACTIONS = frozenset({CaseAction.note, CaseAction.assign, CaseAction.request_reroute})
# Only the lead unit (not an assisting one) may do these.
LEAD_UNIT_ACTIONS = frozenset({CaseAction.resolve, CaseAction.assign, CaseAction.request_reroute})

# Only the district committee re-routes an escalated case.
DISTRICT_ONLY_FROM = {CaseAction.route: frozenset({S.escalated}), CaseAction.reject: frozenset({S.escalated})}
# Reporter-only actions: a resident acts on their own case only, whatever their role.
REPORTER_ACTIONS = frozenset({CaseAction.rate, CaseAction.reopen, CaseAction.add_info})

ACTION_LABELS = {
    CaseAction.submit: "提交反映",
    CaseAction.accept: "代表接收",
    CaseAction.forward: "转交街道人大办",
    CaseAction.auto_forward: "超时未接收，自动转交街道",
    CaseAction.route: "流转承办单位",
    CaseAction.resolve: "办结反馈",
    CaseAction.rate: "评价",
    CaseAction.reopen: "不满意，重办",
    CaseAction.auto_close: "7天未评价，自动关闭",
    CaseAction.reject: "不予受理",
    CaseAction.merge: "合并至其他反映",
    CaseAction.escalate: "提级办理",
    CaseAction.add_info: "补充信息",
    CaseAction.recategorize: "调整分类",
    CaseAction.remind: "办理提醒",
    CaseAction.anonymise: "反映人个人信息已删除",
    CaseAction.note: "内部备注",
    CaseAction.assign: "指派经办人",
    CaseAction.request_reroute: "申请重新流转",
}


def in_scope(actor: Actor, case: CaseScope) -> bool:
    """Whether the actor's role reaches this case at all (street, area, unit or own report)."""
    if actor.role in (Role.system, Role.district_committee):
        return True
    if actor.role == Role.street_office:
        return actor.street_id == case.street_id
    if actor.role == Role.deputy:
        if actor.street_id != case.street_id:
            return actor.person_id is not None and actor.person_id == case.reporter_id
        return actor.community_id is None or actor.community_id == case.community_id
    if actor.role == Role.handling_unit:
        return actor.unit_id is not None and (actor.unit_id == case.unit_id or actor.unit_id in case.assisting_unit_ids)
    return actor.person_id is not None and actor.person_id == case.reporter_id


def check(action: CaseAction, actor: Actor, case: CaseScope) -> Rule:
    """Return the rule that applies, or raise one clear domain error; decides nothing else."""
    rule = RULES[action]
    label = ACTION_LABELS[action]
    if action in REPORTER_ACTIONS and actor.role != Role.system:
        if actor.person_id is None or actor.person_id != case.reporter_id:
            raise PermissionDeniedError(f"只有反映人本人可以{label}")
    elif actor.role not in rule.roles:
        raise PermissionDeniedError(f"您的身份不能执行“{label}”")
    elif not in_scope(actor, case):
        raise PermissionDeniedError(f"该反映不在您的辖区或职责范围内，不能执行“{label}”")
    if case.state not in rule.from_states:
        raise InvalidTransitionError(
            f"该反映当前状态为“{STATE_LABELS[case.state]}”，不能执行“{label}”",
            details={"state": case.state.value, "action": action.value},
        )
    district_only = DISTRICT_ONLY_FROM.get(action)
    if district_only and case.state in district_only and actor.role != Role.district_committee:
        raise PermissionDeniedError(f"已提级办理的反映由区人大常委会{label}")
    if action == CaseAction.resolve and actor.unit_id != case.unit_id:
        raise PermissionDeniedError("只有承办单位可以办结该反映")
    if action in LEAD_UNIT_ACTIONS and actor.role == Role.handling_unit and actor.unit_id != case.unit_id:
        raise PermissionDeniedError(f"协办单位不能{label}，请由牵头单位办理")
    return rule


# Every (from, to) pair a case may take; replaying a timeline must stay inside this set.
ALLOWED_STEPS: frozenset[tuple[CaseState | None, CaseState]] = frozenset(
    {(None, S.submitted)}
    | {(src, rule.to_state or src) for rule in RULES.values() for src in rule.from_states}
)


def replay(steps: Iterable[tuple[CaseState | None, CaseState]]) -> CaseState:
    """Fold a timeline's (from, to) pairs into the state they lead to; raise on a gap or illegal step."""
    state: CaseState | None = None
    for from_state, to_state in steps:
        if from_state != state or (from_state, to_state) not in ALLOWED_STEPS:
            raise InvalidTransitionError(f"时间线不连续: {from_state} -> {to_state} (当前 {state})")
        state = to_state
    if state is None:
        raise InvalidTransitionError("时间线为空")
    return state


def allowed_actions(actor: Actor, case: CaseScope) -> frozenset[CaseAction]:
    """What this actor may do to this case now: the buttons a page shows (the service checks again)."""
    allowed = set()
    for action in RULES:
        try:
            check(action, actor, case)
        except (PermissionDeniedError, InvalidTransitionError):
            continue
        allowed.add(action)
    return frozenset(allowed)
