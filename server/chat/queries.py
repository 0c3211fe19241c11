"""查询 / 进度: my open cases, or one case's timeline (own cases, or within a bound deputy's scope)."""
from __future__ import annotations

from sqlalchemy import select

from server.cases.models import Case, CaseEvent
from server.cases.rules import ACTION_LABELS, INTERNAL_ACTIONS, in_scope
from server.cases.states import FINAL_STATES, STATE_LABELS
from server.chat import texts
from server.chat.context import Chat, Reply
from server.core.clock import LOCAL_ZONE

MAX_LISTED = 10
MAX_CLOSED = 5
MAX_EVENTS = 12


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def list_my_cases(chat: Chat) -> Reply:
    """The sender's open reports, then their last MAX_CLOSED finished ones."""
    mine = select(Case).where(Case.reporter_id == chat.identity.person_id)
    open_rows = list(chat.session.scalars(mine.where(Case.state.not_in(FINAL_STATES))
                                          .order_by(Case.submitted_at.desc(), Case.id.desc()).limit(MAX_LISTED)))
    closed_rows = list(chat.session.scalars(mine.where(Case.state.in_(FINAL_STATES))
                                            .order_by(Case.submitted_at.desc(), Case.id.desc()).limit(MAX_CLOSED)))
    if not open_rows and not closed_rows:
        return Reply(texts.NO_OPEN_CASES)
    lines = [texts.OPEN_CASES_HEADER] if open_rows else [texts.NO_OPEN_CASES.split("。")[0] + "。"]
    lines += [_line(case) for case in open_rows]
    if closed_rows:
        lines += [texts.CLOSED_CASES_HEADER, *(_line(case) for case in closed_rows)]
    return Reply("\n".join(lines))


def _line(case: Case) -> str:
    return f"{case.tracking_number}【{STATE_LABELS[case.state]}】{_short(case.description, 16)}"


def show_case(chat: Chat, number: str) -> Reply:
    case = chat.session.scalar(select(Case).where(Case.tracking_number == number))
    viewers = [chat.person] + ([chat.staff] if chat.staff is not None else [])
    if case is None or not any(in_scope(viewer.as_actor(), case.scope) for viewer in viewers):
        return Reply(texts.CASE_NOT_FOUND.format(number=number))
    events = list(chat.session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.sequence)))
    lines = [f"{case.tracking_number}【{STATE_LABELS[case.state]}】", _short(case.description, 40)]
    if chat.staff is None or not in_scope(chat.staff.as_actor(), case.scope):
        events = [e for e in events if e.action not in INTERNAL_ACTIONS]  # staff-only steps
    for event in events[-MAX_EVENTS:]:
        when = event.created_at.astimezone(LOCAL_ZONE).strftime("%m-%d %H:%M")
        note = f"：{_short(event.note, 30)}" if event.note else ""
        lines.append(f"{when} {ACTION_LABELS[event.action]}{note}")
    if case.state.value == "resolved":
        lines.append("请回复“满意”“基本满意”或“不满意”评价。")
    return Reply("\n".join(lines), case.id)
