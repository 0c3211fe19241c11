"""What a text means: a command (帮助, 查询, 满意, 议题, 退出, 接收, 绑定), a street answer, an opinion
in a hall, small talk, or a problem to report — in that order."""
from __future__ import annotations

import re

from sqlalchemy import select

from server.cases import service as cases
from server.cases.models import Case
from server.cases.states import SATISFACTION_LABELS, CaseState, Satisfaction
from server.cases.tracking import find_tracking_number
from server.chat import halls, queries, reports, texts
from server.chat.context import Chat, Reply
from server.core.errors import DomainError
from server.people import service as people
from server.people.rules import Role

HELP_WORDS = frozenset({"帮助", "菜单", "help", "?", "？", "功能", "怎么用"})
RATINGS = {label: value for value, label in SATISFACTION_LABELS.items()}
GREETINGS = frozenset({"你好", "您好", "在吗", "在不在", "hi", "hello", "哈喽", "嗨", "早上好", "下午好", "晚上好",
                       "好的", "好", "嗯", "嗯嗯", "ok", "收到", "知道了", "行", "可以", "没事了"})
THANKS = frozenset({"谢谢", "谢谢你", "谢谢您", "感谢", "多谢", "辛苦了", "thanks", "thankyou", "谢啦"})
MIN_REPORT_CHARS = 5
COMMAND_RE = re.compile(r"^(查询|进度|议题|接收|绑定)\s*(.*)$", re.DOTALL)


def _bare(text: str) -> str:
    """Letters, digits and CJK only, lower case: how small talk and ratings are recognised."""
    return "".join(ch for ch in text if ch.isalnum()).lower()


def handle_text(chat: Chat, content: str) -> Reply:
    text = content.strip()
    bare = _bare(text)
    if not bare or text.lower() in HELP_WORDS or bare in HELP_WORDS:
        return Reply(texts.HELP)
    if bare in RATINGS:
        return rate_latest(chat, RATINGS[bare])
    if bare == "退出":
        return halls.leave_topic(chat)
    command = COMMAND_RE.match(text)
    if command:
        return _command(chat, command.group(1), command.group(2).strip())
    answered = reports.answer_street(chat, text)
    if answered is not None:
        return answered
    opinion = halls.post_if_in_hall(chat, text)
    if opinion is not None:
        return opinion
    if bare in THANKS:
        return Reply(texts.THANKS)
    if bare in GREETINGS or len(bare) < MIN_REPORT_CHARS:
        return Reply(texts.SMALL_TALK)
    return reports.report_problem(chat, text)


def _command(chat: Chat, word: str, rest: str) -> Reply:
    if word in ("查询", "进度"):
        number = find_tracking_number(rest)
        return queries.show_case(chat, number) if number else queries.list_my_cases(chat)
    if word == "议题":
        if rest.isdigit():
            return halls.enter_topic(chat, number=int(rest))
        return halls.list_topics(chat)
    if word == "接收":
        return accept(chat, rest)
    return bind(chat, rest)


def rate_latest(chat: Chat, satisfaction: Satisfaction) -> Reply:
    """满意 / 基本满意 / 不满意 rate the sender's most recently resolved case."""
    case = chat.session.scalar(
        select(Case).where(Case.reporter_id == chat.identity.person_id, Case.state == CaseState.resolved)
        .order_by(Case.resolved_at.desc(), Case.id.desc()).limit(1))
    if case is None:
        return Reply(texts.NOTHING_TO_RATE)
    try:
        chat.attempt(cases.rate_case, actor_id=chat.identity.person_id, case_id=case.id, satisfaction=satisfaction)
    except DomainError as exc:
        return Reply(exc.message)
    if satisfaction == Satisfaction.dissatisfied:
        return Reply(texts.REOPENED.format(number=case.tracking_number), case.id)
    return Reply(texts.RATED.format(number=case.tracking_number, label=SATISFACTION_LABELS[satisfaction]), case.id)


def accept(chat: Chat, rest: str) -> Reply:
    """`接收 MY-…`: a bound deputy accepts a case of their area."""
    number = find_tracking_number(rest)
    if number is None:
        return Reply(texts.ACCEPT_WHICH)
    if chat.person.role != Role.deputy:
        return Reply(texts.DEPUTIES_ONLY)
    case = chat.session.scalar(select(Case).where(Case.tracking_number == number))
    if case is None:
        return Reply(texts.CASE_NOT_FOUND.format(number=number))
    try:
        chat.attempt(cases.accept_case, actor_id=chat.person.id, case_id=case.id)
    except DomainError as exc:
        return Reply(exc.message)
    return Reply(texts.ACCEPTED.format(number=number), case.id)


def bind(chat: Chat, code: str) -> Reply:
    """`绑定 CODE` or a `bind:CODE` scene: the WeChat user becomes the code's deputy or staff member."""
    if not code:
        return Reply("请回复“绑定 绑定码”，绑定码由街道人大办提供。")
    try:
        person = chat.attempt(people.bind_wechat, openid=chat.openid, code=code)
    except DomainError as exc:
        return Reply(exc.message)
    title = "代表" if person.role == Role.deputy else ""
    return Reply(texts.BOUND.format(name=f"{person.name}{title}"))


def handle_voice(chat: Chat) -> Reply:
    """Voice counts through WeChat's recognised text (only present when recognition is switched on)."""
    spoken = (chat.message.get("recognition") or "").strip()
    if not spoken:
        return Reply(texts.VOICE_UNRECOGNISED)
    case = reports.recent_case(chat)
    if case is None:
        return handle_text(chat, spoken)
    try:
        chat.attempt(cases.add_case_info, actor_id=chat.identity.person_id, case_id=case.id,
                     text=spoken[:cases.MAX_DESCRIPTION])
    except DomainError as exc:
        return Reply(exc.message)
    return Reply(texts.VOICE_JOINED.format(number=case.tracking_number), case.id)
