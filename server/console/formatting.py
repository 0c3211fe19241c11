"""How the console shows times, countdowns and states (UI.md): Asia/Shanghai, `12月2日 09:30`."""
from __future__ import annotations

from datetime import datetime

from flask import Flask

from server.cases.states import STATE_LABELS, CaseState
from server.core.clock import LOCAL_ZONE
from server.people.texts import ROLE_LABELS
from server.web.runtime import current_runtime

SOON_HOURS = 6
STATE_COLOURS = {
    CaseState.submitted: "grey", CaseState.accepted: "blue", CaseState.routed: "blue",
    CaseState.reopened: "blue", CaseState.escalated: "blue", CaseState.resolved: "green",
    CaseState.closed: "green", CaseState.rejected: "dark", CaseState.merged: "dark",
}


def when(moment: datetime | None) -> str:
    if moment is None:
        return "—"
    local = moment.astimezone(LOCAL_ZONE)
    this_year = current_runtime().clock.now().astimezone(LOCAL_ZONE).year
    prefix = "" if local.year == this_year else f"{local.year}年"
    return f"{prefix}{local.month}月{local.day}日 {local:%H:%M}"


def hours_left(deadline: datetime | None) -> float | None:
    if deadline is None:
        return None
    return (deadline - current_runtime().clock.now()).total_seconds() / 3600


def countdown(deadline: datetime | None) -> str:
    left = hours_left(deadline)
    if left is None:
        return ""
    if left < 0:
        return f"超时 {_span(-left)}"
    return f"剩余 {_span(left)}"


def _span(hours: float) -> str:
    if hours < 1:
        return f"{max(1, round(hours * 60))} 分钟"
    if hours < 48:
        return f"{int(hours)} 小时"
    return f"{int(hours // 24)} 天"


def urgency(deadline: datetime | None) -> str:
    """"overdue", "soon" (under 6 hours) or "" — the red and orange marks."""
    left = hours_left(deadline)
    if left is None:
        return ""
    return "overdue" if left < 0 else "soon" if left < SOON_HOURS else ""


def state_label(state: str) -> str:
    return STATE_LABELS.get(CaseState(state), state) if state in CaseState.__members__ else state


def state_colour(state: str) -> str:
    return STATE_COLOURS.get(CaseState(state), "grey") if state in CaseState.__members__ else "grey"


def role_label(role: str) -> str:
    return ROLE_LABELS.get(role, role)


def register_filters(app: Flask) -> None:
    for name, function in {"when": when, "countdown": countdown, "urgency": urgency, "state_label": state_label,
                           "state_colour": state_colour, "role_label": role_label}.items():
        app.add_template_filter(function, name)
