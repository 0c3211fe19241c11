"""A case's vocabulary (SPEC.md) as enums; values are stored in the database."""
from __future__ import annotations

from enum import StrEnum


class CaseState(StrEnum):
    submitted = "submitted"
    accepted = "accepted"
    routed = "routed"
    resolved = "resolved"
    closed = "closed"
    rejected = "rejected"
    merged = "merged"
    reopened = "reopened"
    escalated = "escalated"


class Holder(StrEnum):
    """Who must act on a case now; reminders go to them."""

    deputies = "deputies"
    street_office = "street_office"
    handling_unit = "handling_unit"
    district_committee = "district_committee"
    reporter = "reporter"
    nobody = "nobody"


class CaseAction(StrEnum):
    submit = "submit"
    accept = "accept"
    forward = "forward"
    auto_forward = "auto_forward"
    route = "route"
    resolve = "resolve"
    rate = "rate"
    reopen = "reopen"
    auto_close = "auto_close"
    reject = "reject"
    merge = "merge"
    escalate = "escalate"
    add_info = "add_info"
    recategorize = "recategorize"
    remind = "remind"
    anonymise = "anonymise"  # the reporter's personal fields erased (their request, or retention)
    # The console's teamwork steps: staff only, never shown to the resident (INTERNAL_ACTIONS).
    note = "note"  # an internal note on the timeline
    assign = "assign"  # a unit's head gives the case to one of the unit's staff
    request_reroute = "request_reroute"  # the unit asks the street office to route the case elsewhere


class Source(StrEnum):
    """Where a case, or a hall opinion, came from; halls share this vocabulary."""

    miniapp = "miniapp"
    wechat = "wechat"  # the WeChat bot: a chat message to the official account
    hall = "hall"  # a case an organizer made from a hall opinion
    linkage = "linkage"  # a case made from a suggestion of a district–street linkage task
    reception = "reception"  # a matter raised at a deputies' reception day (server.deputies)
    demo = "demo"  # `minyi demo` data
    bench = "bench"  # cases the benchmark writes straight into the table (bench/seed.py)


class Satisfaction(StrEnum):
    satisfied = "satisfied"
    basically_satisfied = "basically_satisfied"
    dissatisfied = "dissatisfied"


OPEN_STATES = frozenset(
    {CaseState.submitted, CaseState.accepted, CaseState.routed, CaseState.reopened, CaseState.escalated}
)
FINAL_STATES = frozenset({CaseState.closed, CaseState.rejected, CaseState.merged})

STATE_LABELS = {
    CaseState.submitted: "待接收",
    CaseState.accepted: "代表已接收",
    CaseState.routed: "已流转",
    CaseState.resolved: "已办结",
    CaseState.closed: "已关闭",
    CaseState.rejected: "不予受理",
    CaseState.merged: "已合并",
    CaseState.reopened: "重办中",
    CaseState.escalated: "已提级办理",
}

SATISFACTION_LABELS = {
    Satisfaction.satisfied: "满意",
    Satisfaction.basically_satisfied: "基本满意",
    Satisfaction.dissatisfied: "不满意",
}

HOLDER_LABELS = {
    Holder.deputies: "待代表接收",
    Holder.street_office: "街道人大办",
    Holder.handling_unit: "承办单位",
    Holder.district_committee: "区人大常委会",
    Holder.reporter: "待群众评价",
    Holder.nobody: "—",
}
