"""What a text means: help, a menu label, a number answering the last list, a rating, a command of the
sender's role (查询, 议题, 绑定, 反映; 待接收/接收/转交; 待研判/流转/退回; 待办/办结), a street answer,
an opinion in a hall, small talk, or — from residents only — a problem to report, in that order."""
from __future__ import annotations

import re

from sqlalchemy import select

from server.cases import service as cases
from server.cases.models import Case
from server.cases.states import SATISFACTION_LABELS, CaseState, Satisfaction
from server.cases.tracking import find_tracking_number
from server.chat import choices, events, halls, queries, reports, staff, texts
from server.chat.context import Chat, Reply
from server.core.errors import DomainError
from server.deputies import chat as deputy_words
from server.linkage import replies as linkage_replies
from server.people.rules import RESIDENT_ROLES, Role

HELP_WORDS = frozenset({"帮助", "菜单", "help", "?", "？", "功能", "怎么用", "更多"})
RATINGS = {label: value for value, label in SATISFACTION_LABELS.items()}
# Small talk is recognised by its words, never by length: "路灯坏了" (4 characters) is a problem.
GREETINGS = frozenset({"你好", "您好", "在吗", "在不在", "有人吗", "hi", "hello", "哈喽", "嗨", "早上好", "中午好",
                       "下午好", "晚上好", "早", "早安", "晚安", "好的", "好", "嗯", "嗯嗯", "ok", "okay", "收到",
                       "知道了", "明白了", "明白", "行", "可以", "没事了", "没事", "对", "是的", "是", "不用了",
                       "再见", "拜拜", "bye", "测试"})
THANKS = frozenset({"谢谢", "谢谢你", "谢谢您", "感谢", "多谢", "辛苦了", "辛苦", "thanks", "thankyou", "thank",
                    "you", "谢啦", "麻烦了", "麻烦你了", "感谢你们", "谢谢你们", "非常感谢", "太感谢了"})
PARTICLES = "呀啊呢吧哦噢哈啦嘛喔咯哇了的"
# The menu's labels typed as text do what the menu does.
MENU_LABELS = {"我要反映": "REPORT", "我的进度": "MY_CASES", "议事厅": "TOPICS", "我的反映": "MY_CASES"}
COMMAND_RE = re.compile(r"^(查询|进度|议题|绑定|待接收|接收|转交|待研判|流转|退回|待办|办结|反映|不参加|参加|邀请)\s*(.*)$",
                        re.DOTALL)
ROLE_WORDS: dict[str, frozenset[Role]] = {
    "待接收": frozenset({Role.deputy}), "接收": frozenset({Role.deputy}), "转交": frozenset({Role.deputy}),
    "待研判": frozenset({Role.street_office, Role.district_committee}),
    "流转": frozenset({Role.street_office, Role.district_committee}), "退回": frozenset({Role.street_office}),
    "待办": frozenset({Role.handling_unit, Role.district_committee}), "办结": frozenset({Role.handling_unit}),
    "参加": frozenset({Role.deputy}), "不参加": frozenset({Role.deputy}), "邀请": frozenset({Role.deputy}),
}
WHO = {"待接收": "人大代表", "接收": "人大代表", "转交": "人大代表", "待研判": "街道人大办", "流转": "街道人大办",
       "退回": "街道人大办", "待办": "承办单位", "办结": "承办单位", "参加": "人大代表", "不参加": "人大代表",
       "邀请": "人大代表"}


def _bare(text: str) -> str:
    """Letters, digits and CJK only, lower case: how small talk and ratings are recognised."""
    return "".join(ch for ch in text if ch.isalnum()).lower()


def is_small_talk(bare: str) -> bool:
    """Only greetings, thanks and particles ("你好呀", "好的谢谢"), or under three characters ("路灯")."""
    words = GREETINGS | THANKS
    reachable = [True] + [False] * len(bare)  # reachable[i]: bare[:i] is made of small-talk words
    for end in range(1, len(bare) + 1):
        reachable[end] = bare[end - 1] in PARTICLES and reachable[end - 1] or any(
            reachable[start] and bare[start:end] in words for start in range(max(0, end - 12), end))
    return len(bare) < 3 or reachable[-1]


def is_staff(chat: Chat) -> bool:
    """Bound to a deputy's or staff account (a council member is a resident who may also bind)."""
    return chat.staff is not None and chat.staff.role not in RESIDENT_ROLES


def help_for(chat: Chat) -> str:
    """The commands of the sender's role."""
    if is_staff(chat):
        return texts.STAFF_HELP[chat.staff.role.value] + texts.STAFF_REPORT_HINT
    return texts.HELP


def handle_text(chat: Chat, content: str) -> Reply:
    text = content.strip()
    bare = _bare(text)
    if not bare or text.lower() in HELP_WORDS or bare in HELP_WORDS:
        return Reply(help_for(chat))
    if bare in MENU_LABELS:
        return events.handle_click(chat, MENU_LABELS[bare])
    remembered = choices.last_choices(chat)
    if remembered is not None and bare.isdigit() and len(bare) <= 3 and remembered.get("kind") != "reason":
        return choices.pick(chat, remembered, int(bare))
    if bare in RATINGS:
        return rate_latest(chat, RATINGS[bare])
    if bare == "退出":
        return halls.leave_topic(chat)
    answered = deputy_words.answer(chat, bare)
    if answered is not None:
        return Reply(answered)
    command = COMMAND_RE.match(text)
    if command:
        answered = _command(chat, command.group(1), command.group(2).strip())
        if answered is not None:
            return answered
    if remembered is not None and remembered.get("kind") == "reason" and not is_small_talk(bare):
        return _reopening_reason(chat, remembered["case_id"], text)
    answered = reports.answer_street(chat, text)
    if answered is not None:
        return answered
    opinion = halls.post_if_in_hall(chat, text)
    if opinion is not None:
        return opinion
    if is_staff(chat):
        # A deputy's or clerk's stray text is not a resident's problem: they report with 反映 …
        return Reply(help_for(chat))
    if bare in THANKS:
        return Reply(texts.THANKS)
    if is_small_talk(bare):
        return Reply(texts.SMALL_TALK)
    return reports.report_problem(chat, text)


def _reopening_reason(chat: Chat, case_id: int, text: str) -> Reply:
    case = chat.session.get(Case, case_id)
    if case is None:
        return Reply(help_for(chat))
    try:
        chat.attempt(cases.add_case_info, actor_id=chat.identity.person_id, case_id=case.id,
                     text=texts.REASON_PREFIX + text)
    except DomainError as exc:
        return Reply(exc.message)
    return Reply(texts.REASON_NOTED.format(number=case.tracking_number), case.id)


def _command(chat: Chat, word: str, rest: str) -> Reply | None:
    """The reply to a command word, or None when the text only looks like one (a resident's "流转站…")."""
    if word in ROLE_WORDS and not (is_staff(chat) and chat.staff.role in ROLE_WORDS[word]):
        if rest and find_tracking_number(rest) is None and not is_staff(chat):
            return None
        return Reply(texts.ROLE_ONLY.format(word=word, who=WHO[word]))
    if word in ("查询", "进度"):
        number = find_tracking_number(rest)
        return queries.show_case(chat, number) if number else queries.list_my_cases(chat)
    if word == "议题":
        if rest.isdigit():
            return halls.enter_topic(chat, number=int(rest))
        return halls.list_topics(chat)
    if word == "反映":
        return reports.report_problem(chat, rest) if _bare(rest) else Reply(texts.REPORT_HINT)
    if word == "绑定":
        return staff.bind(chat, rest)
    if word in ("待接收", "待研判", "待办"):
        return staff.show_queue(chat)
    if word in ("参加", "不参加", "邀请"):
        return _invitation(chat, word, rest)
    handler = {"接收": staff.accept, "转交": staff.forward, "流转": staff.route, "退回": staff.reject,
               "办结": staff.resolve}[word]
    return handler(chat, rest)


def _invitation(chat: Chat, word: str, rest: str) -> Reply:
    """区街联动: a deputy's invitations (邀请) and answers (参加 N / 不参加 N)."""
    try:
        if word == "邀请":
            return Reply(linkage_replies.invitations_text(chat.uow, deputy_id=chat.staff.id))
        return Reply(chat.attempt(linkage_replies.answer_in_chat, deputy_id=chat.staff.id, attend=word == "参加",
                                  rest=rest))
    except DomainError as exc:
        return Reply(exc.message)


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
        # The next text (unless it is a command) is the reason, added to the reopened case.
        return Reply(texts.REOPENED.format(number=case.tracking_number), case.id,
                     choices={"kind": "reason", "case_id": case.id, "ids": []})
    return Reply(texts.RATED.format(number=case.tracking_number, label=SATISFACTION_LABELS[satisfaction]), case.id)


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
