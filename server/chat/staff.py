"""What deputies, street offices, units and the district do from chat, through the same case services
as the API: their queue (待接收 / 待研判 / 待办), 接收, 转交, 流转, 退回, 办结.

Every list is numbered and remembered with the reply, so a bare number answers it (see `choices`).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from server.cases import queries as case_queries
from server.cases import service as cases
from server.cases.models import Case
from server.cases.queries import CaseFilter
from server.cases.tracking import find_tracking_number
from server.chat import texts
from server.chat.context import Chat, Reply
from server.core.errors import DomainError
from server.people import service as people
from server.people.rules import Role

MAX_QUEUE = 9  # one screen of a phone, answerable with one digit
QUEUE_WORDS = {Role.deputy: "待接收", Role.street_office: "待研判", Role.handling_unit: "待办",
               Role.district_committee: "待办"}
QUEUE_KIND = {Role.deputy: "accept", Role.street_office: "triage", Role.handling_unit: "todo",
              Role.district_committee: "triage"}


def _hours_left(deadline: datetime, now: datetime) -> str:
    hours = (deadline - now).total_seconds() / 3600
    return f"已超期{-hours:.0f}小时" if hours < 0 else f"剩{hours:.0f}小时"


def _short(text: str, limit: int = 18) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def show_queue(chat: Chat) -> Reply:
    """The cases waiting for the sender's role, the least time left first, numbered."""
    role = chat.staff.role
    page = case_queries.list_cases(chat.uow, actor_id=chat.staff.id, filters=CaseFilter(awaiting_me=True),
                                   order="deadline", limit=MAX_QUEUE)
    if not page.items:
        return Reply(texts.QUEUE_EMPTY.format(word=QUEUE_WORDS[role]))
    lines = [f"{n}. {item['tracking_number']} {_hours_left(item['deadline_at'], chat.now)} "
             f"{_short(item['description'])}" for n, item in enumerate(page.items, start=1)]
    hint = texts.QUEUE_HINT[QUEUE_KIND[role]]
    return Reply("\n".join([texts.QUEUE_HEADER.format(word=QUEUE_WORDS[role], count=len(page.items)), *lines, hint]),
                 choices={"kind": QUEUE_KIND[role], "ids": [item["id"] for item in page.items]})


def _case_by_number(chat: Chat, rest: str, usage: str) -> tuple[Case | None, str, Reply | None]:
    """The case a command names (`MY-…` first), the words after it, or the reply that explains why not."""
    number = find_tracking_number(rest)
    if number is None:
        return None, "", Reply(usage)
    case = chat.session.scalar(select(Case).where(Case.tracking_number == number))
    if case is None:
        return None, "", Reply(texts.CASE_NOT_FOUND.format(number=number))
    after = rest[rest.upper().index(number) + len(number):].strip(" ，,：:")
    return case, after, None


def _act(chat: Chat, service, reply: str, case: Case, **kwargs) -> Reply:
    try:
        chat.attempt(service, actor_id=chat.staff.id, case_id=case.id, **kwargs)
    except DomainError as exc:
        return Reply(exc.message)
    return Reply(reply, case.id)


def accept(chat: Chat, rest: str) -> Reply:
    """`接收 MY-…`: a deputy of the case's area takes it; it goes to the street office."""
    case, _after, problem = _case_by_number(chat, rest, texts.ACCEPT_WHICH)
    if problem:
        return problem
    return accept_case(chat, case)


def accept_case(chat: Chat, case: Case) -> Reply:
    return _act(chat, cases.accept_case, texts.ACCEPTED.format(number=case.tracking_number), case)


def forward(chat: Chat, rest: str) -> Reply:
    """`转交 MY-… 说明`: the accepting deputy adds a note for the street office."""
    case, note, problem = _case_by_number(chat, rest, texts.FORWARD_USAGE)
    if problem:
        return problem
    return _act(chat, cases.forward_case, texts.FORWARDED.format(number=case.tracking_number), case,
                note=note or "代表已转交街道人大办研判")


def route(chat: Chat, rest: str) -> Reply:
    """`流转 MY-… 单位名或序号`; without a unit, the units to choose from (the rule's suggestion first)."""
    case, unit_words, problem = _case_by_number(chat, rest, texts.ROUTE_USAGE)
    if problem:
        return problem
    try:
        options = case_queries.routing_options(chat.uow, actor_id=chat.staff.id, case_id=case.id)
    except DomainError as exc:
        return Reply(exc.message)
    if unit_words:
        chosen = _pick_unit(options, unit_words)
        if chosen is not None:
            return route_to(chat, case, chosen)
    return unit_choices(case, options, unmatched=unit_words)


def _pick_unit(options: list[dict], words: str) -> dict | None:
    if words.isdigit():
        index = int(words) - 1
        return options[index] if 0 <= index < len(options) else None
    exact = [option for option in options if option["name"] == words]
    partial = [option for option in options if words in option["name"]]
    found = exact or partial
    return found[0] if len(found) == 1 or exact else None


def unit_choices(case: Case, options: list[dict], unmatched: str = "") -> Reply:
    lines = [f"{n}. {option['name']}{'（建议）' if option['suggested'] else ''}"
             for n, option in enumerate(options, start=1)]
    header = texts.UNIT_NOT_FOUND.format(words=unmatched) if unmatched else ""
    return Reply(header + texts.ROUTE_CHOOSE.format(number=case.tracking_number) + "\n" + "\n".join(lines),
                 case.id, choices={"kind": "route", "case_id": case.id, "ids": [option["id"] for option in options]})


def route_to(chat: Chat, case: Case, unit: dict) -> Reply:
    return _act(chat, cases.route_case, texts.ROUTED.format(number=case.tracking_number, unit=unit["name"]), case,
                unit_id=unit["id"])


def reject(chat: Chat, rest: str) -> Reply:
    """`退回 MY-… 原因`: the street office declines the case (不予受理), the reason told to the resident."""
    case, reason, problem = _case_by_number(chat, rest, texts.REJECT_USAGE)
    if problem:
        return problem
    if not reason:
        return Reply(texts.REJECT_USAGE)
    return _act(chat, cases.reject_case, texts.REJECTED.format(number=case.tracking_number), case, reason=reason)


def resolve(chat: Chat, rest: str) -> Reply:
    """`办结 MY-… 结果`: the unit reports back; the resident is asked to rate."""
    case, feedback, problem = _case_by_number(chat, rest, texts.RESOLVE_USAGE)
    if problem:
        return problem
    if not feedback:
        return Reply(texts.RESOLVE_USAGE)
    return _act(chat, cases.resolve_case, texts.RESOLVED.format(number=case.tracking_number), case,
                feedback=feedback)


def show_case_for_staff(chat: Chat, case_id: int) -> Reply:
    """A case picked from a queue by its number: its summary and what the sender can do next."""
    try:
        detail = case_queries.get_case_detail(chat.uow, actor_id=chat.staff.id, case_id=case_id)
    except DomainError as exc:
        return Reply(exc.message)
    number = detail["tracking_number"]
    lines = [f"{number}【{detail['state_label']}】{_hours_left(detail['deadline_at'], chat.now)}",
             detail["description"]]
    if detail.get("location"):
        lines.append(f"位置：{detail['location']['label'] or ''}".rstrip("："))
    if detail.get("reporter"):
        lines.append(f"反映人：{detail['reporter']['name']}")
    lines.append(texts.NEXT_STEP[chat.staff.role].format(number=number))
    return Reply("\n".join(lines), case_id)


def bind(chat: Chat, code: str) -> Reply:
    """`绑定 CODE` or a `bind:CODE` scene: the WeChat user becomes the code's deputy or staff member."""
    if not code:
        return Reply("请回复“绑定 绑定码”，绑定码由街道人大办提供。")
    try:
        person = chat.attempt(people.bind_wechat, openid=chat.openid, code=code)
    except DomainError as exc:
        return Reply(exc.message)
    title = "代表" if person.role == Role.deputy else ""
    return Reply(texts.BOUND.format(name=f"{person.name}{title}", help=texts.STAFF_HELP[person.role.value]))
