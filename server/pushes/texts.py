"""What each push says, in Simplified Chinese: one function per outbox kind, payload -> text.

Payloads come from the outbox (written by the case engine, the deadline sweep and the topics code);
a missing field reads as a neutral placeholder rather than failing, so an older row still renders.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

Payload = dict[str, Any]


def _get(payload: Payload, key: str, default: str = "") -> str:
    value = payload.get(key)
    return default if value is None or value == "" else str(value)


def _number(payload: Payload) -> str:
    return _get(payload, "tracking_number", "（编号缺失）")


def case_submitted(payload: Payload) -> str:
    return (f"新反映请接收：{_number(payload)}\n{_get(payload, 'description', '（无描述）')}\n"
            f"请在 12 小时内回复“接收 {_number(payload)}”接收，72 小时内须给群众反馈。")


def case_accepted(payload: Payload) -> str:
    return f"反映 {_number(payload)} 已由人大代表接收，请街道办及时安排办理。"


def case_auto_forwarded(payload: Payload) -> str:
    return f"反映 {_number(payload)} 12 小时内无代表接收，已自动转交街道办，请尽快处理。"


def case_routed(payload: Payload) -> str:
    return f"反映 {_number(payload)} 已流转至{_get(payload, 'unit_name', '承办单位')}，请及时办理并反馈结果。"


def case_resolved(payload: Payload) -> str:
    link = _get(payload, "link")
    return (f"您的反映 {_number(payload)} 已办结。\n办理结果：{_get(payload, 'feedback', '详见办理记录')}\n"
            + (f"办理结果和现场照片：{link}\n" if link else "")
            + "请回复 满意 / 基本满意 / 不满意 进行评价。")


def case_reopened(payload: Payload) -> str:
    return f"群众对反映 {_number(payload)} 的办理结果不满意，已退回重新办理，请尽快处理。"


def case_rejected(payload: Payload) -> str:
    return f"很抱歉，您的反映 {_number(payload)} 不予受理。\n理由：{_get(payload, 'reason', '未说明')}"


def case_merged(payload: Payload) -> str:
    return (f"您的反映 {_number(payload)} 与 {_get(payload, 'into', '另一条反映')} 属同一问题，已合并办理，"
            "可回复“查询”查看进度。")


def case_escalated(payload: Payload) -> str:
    return f"反映 {_number(payload)} 已提级至区人大常委会办理。\n原因：{_get(payload, 'reason', '未说明')}"


def case_reminder(payload: Payload) -> str:
    hours_left = _get(payload, "hours_left", "?")
    threshold = _get(payload, "threshold", "?")
    return (f"催办提醒：反映 {_number(payload)} 已提交 {threshold} 小时，距 72 小时反馈期限还剩 {hours_left} 小时，"
            "请尽快处理。")


def case_overdue(payload: Payload) -> str:
    return f"反映 {_number(payload)} 已超过 72 小时未办结，已标记超期并提级至区人大常委会，请街道办关注。"


def case_assisting(payload: Payload) -> str:
    return (f"反映 {_number(payload)} 由{_get(payload, 'lead_name', '牵头单位')}牵头办理，请贵单位协助办理，"
            "办理情况请与牵头单位沟通。")


def case_assigned(payload: Payload) -> str:
    return f"反映 {_number(payload)} 已指派给您办理，请在期限前办结并反馈。"


def case_reroute_requested(payload: Payload) -> str:
    return (f"{_get(payload, 'unit_name', '承办单位')}申请将反映 {_number(payload)} 重新流转。\n"
            f"理由：{_get(payload, 'reason', '未说明')}")


def topic_opened(payload: Payload) -> str:
    title = _get(payload, "topic_title", "新议题")
    return f"您附近有新的议题开始征集意见：{title}\n回复“议题”查看，或扫码进入议事厅（议题编号 {_get(payload, 'topic_id', '?')}）。"


def topic_closing(payload: Payload) -> str:
    return f"议题“{_get(payload, 'topic_title', '议题')}”即将结束征集意见，欢迎尽快发表您的看法。"


def topic_concluded(payload: Payload) -> str:
    return f"议题“{_get(payload, 'topic_title', '议题')}”已结束，感谢您的参与，结果可在议事厅查看。"


def opinion_replied(payload: Payload) -> str:
    return (f"您在议题“{_get(payload, 'topic_title', '议题')}”中的意见收到了回复：\n"
            f"{_get(payload, 'reply', '请在议事厅查看')}")


def report_accepted(payload: Payload) -> str:
    return (f"您的反映 {_number(payload)} 已由人大代表{_get(payload, 'deputy_name')}接收，正转交街道人大办研判流转。"
            "回复“查询”可查看进度。")


def report_routed(payload: Payload) -> str:
    return (f"您的反映 {_number(payload)} 已交由{_get(payload, 'unit_name', '承办单位')}办理，"
            f"将在{_get(payload, 'deadline', '72小时期限')}前答复您。")


def report_reopened(payload: Payload) -> str:
    return (f"您的反映 {_number(payload)} 已退回{_get(payload, 'unit_name', '承办单位')}重新办理，"
            "我们会尽快给您答复。")


def _reception(payload: Payload) -> str:
    return (f"{_get(payload, 'when', '（时间待定）')}，{_get(payload, 'station', '代表联络站')}"
            f"（{_get(payload, 'address', '地址见联络站页面')}）")


def reception_published(payload: Payload) -> str:
    return (f"代表接待日：{_reception(payload)}，值班代表：{_get(payload, 'deputies', '待定')}。"
            + (f"\n主题：{_get(payload, 'topic')}" if payload.get("topic") else "")
            + "\n可在小程序“找代表”中预约时段或提前留言，回复“找代表”查看。")


def reception_duty(payload: Payload) -> str:
    return f"您已被安排在 {_reception(payload)} 进站接待群众，请准时到岗。"


def reception_reminder(payload: Payload) -> str:
    return f"提醒：明天 {_reception(payload)} 有代表接待日，{_get(payload, 'who', '请准时前往')}。"


def reception_cancelled(payload: Payload) -> str:
    return (f"很抱歉，{_reception(payload)} 的代表接待日已取消。\n原因：{_get(payload, 'reason', '未说明')}")


TEXTS: dict[str, Callable[[Payload], str]] = {
    fn.__name__: fn for fn in (case_submitted, case_accepted, case_auto_forwarded, case_routed, case_resolved,
                              case_reopened, case_rejected, case_merged, case_escalated, case_reminder,
                              case_overdue, case_assisting, case_assigned, case_reroute_requested, topic_opened,
                              topic_closing, topic_concluded, opinion_replied, report_accepted, report_routed,
                              report_reopened, reception_published, reception_duty, reception_reminder,
                              reception_cancelled)
}

TITLES = {
    "case_submitted": "新反映请接收", "case_accepted": "反映已接收", "case_auto_forwarded": "反映已转交街道",
    "case_routed": "反映已流转", "case_resolved": "反映已办结", "case_reopened": "反映被退回重办",
    "case_rejected": "反映不予受理", "case_merged": "反映已合并", "case_escalated": "反映已提级",
    "case_reminder": "催办提醒", "case_overdue": "反映超期", "case_assisting": "请协助办理反映",
    "case_assigned": "反映已指派给您", "case_reroute_requested": "承办单位申请重新流转", "topic_opened": "新议题征集意见",
    "topic_closing": "议题即将结束", "topic_concluded": "议题已结束", "opinion_replied": "意见收到回复",
    "report_accepted": "您的反映已接收", "report_routed": "您的反映已交办", "report_reopened": "您的反映重新办理",
    "reception_published": "代表接待日", "reception_duty": "进站接待安排", "reception_reminder": "接待日提醒",
    "reception_cancelled": "接待日取消",
}


def push_text(kind: str, payload: Payload) -> str:
    """The text for one outbox row; KeyError for a kind that is not a push."""
    return TEXTS[kind](payload)


def inbound_reply(payload: Payload) -> str:
    """The answer to a message the webhook journalled while the database was down, sent once it is back."""
    return _get(payload, "text", "您的消息已登记，回复“查询”可查看进度。")


TEXTS[inbound_reply.__name__] = inbound_reply
TITLES[inbound_reply.__name__] = "消息已登记"


def ranking_published(payload: Payload) -> str:
    """A street's place on the month's frozen board (赛马晾晒), to its office and deputies."""
    return (f"{_get(payload, 'month', '本月')}赛马晾晒：{_get(payload, 'subject', '本街道')}排名第{_get(payload, 'rank', '?')}，"
            f"{_get(payload, 'change', '上月未排名')}（综合得分 {_get(payload, 'score', '—')}）。")


TEXTS[ranking_published.__name__] = ranking_published
TITLES[ranking_published.__name__] = "赛马晾晒结果"
def linkage_issued(payload: Payload) -> str:
    return (f"区人大常委会交办{_get(payload, 'kind_label', '联动任务')}：{_get(payload, 'task_title', '联动任务')}\n"
            f"完成期限：{_get(payload, 'due_date', '见任务')}。请登录治理端签收并组织办理。")


def linkage_invited(payload: Payload) -> str:
    return (f"邀请您参加{_get(payload, 'activity_label', '活动')}：{_get(payload, 'activity_title', '联动活动')}\n"
            f"时间：{_get(payload, 'starts_at', '待定')}\n地点：{_get(payload, 'place', '待定')}\n"
            f"请回复“参加 {_get(payload, 'invitation_id', '?')}”或“不参加 {_get(payload, 'invitation_id', '?')}”。")


def linkage_submitted(payload: Payload) -> str:
    return (f"{_get(payload, 'street_name', '街道')}已提交联动任务“{_get(payload, 'task_title', '联动任务')}”的办理成果"
            f"（建议 {_get(payload, 'suggestions', '0')} 条），请审核。")


def linkage_returned(payload: Payload) -> str:
    return (f"联动任务“{_get(payload, 'task_title', '联动任务')}”的办理成果被退回修改。\n"
            f"意见：{_get(payload, 'comment', '请查看任务页')}")


def linkage_accepted(payload: Payload) -> str:
    return f"联动任务“{_get(payload, 'task_title', '联动任务')}”的办理成果已审核通过，感谢支持。"


def linkage_reminder(payload: Payload) -> str:
    return (f"到期提醒：联动任务“{_get(payload, 'task_title', '联动任务')}”将于{_get(payload, 'due_date', '近日')}到期，"
            f"还剩 {_get(payload, 'days_left', '?')} 天，请尽快提交办理成果。")


def linkage_overdue(payload: Payload) -> str:
    return (f"{_get(payload, 'street_name', '街道')}的联动任务“{_get(payload, 'task_title', '联动任务')}”"
            f"已超过完成期限（{_get(payload, 'due_date', '?')}）仍未提交，已标记逾期。")


for _linkage_text, _linkage_title in ((linkage_issued, "联动任务交办"), (linkage_invited, "活动邀请"),
                                      (linkage_submitted, "联动任务待审核"), (linkage_returned, "联动任务退回修改"),
                                      (linkage_accepted, "联动任务审核通过"), (linkage_reminder, "联动任务到期提醒"),
                                      (linkage_overdue, "联动任务逾期")):
    TEXTS[_linkage_text.__name__] = _linkage_text
    TITLES[_linkage_text.__name__] = _linkage_title
