"""Deliberation halls (居民议事): topic states, who may organize, and the limits on what people write."""
from __future__ import annotations

from enum import StrEnum

from server.core.errors import PermissionDeniedError
from server.people.rules import Actor, Role

MAX_TITLE = 80
MAX_BACKGROUND = 5000
MAX_OPINION = 2000
MAX_NOTE = 500
MAX_PHOTOS = 9
CLOSING_NOTICE_HOURS = 24
PARTICIPANT_ROLES = frozenset({Role.resident, Role.council_member})


class TopicState(StrEnum):
    draft = "draft"
    open = "open"
    closed = "closed"
    concluded = "concluded"


class TopicAction(StrEnum):
    create = "create"
    edit = "edit"
    open = "open"
    close = "close"
    extend = "extend"
    conclude = "conclude"
    hide = "hide"
    unhide = "unhide"
    pin = "pin"
    unpin = "unpin"
    reply = "reply"
    adopt = "adopt"
    make_case = "make_case"
    follow_up_done = "follow_up_done"


ACTION_LABELS = {
    TopicAction.create: "创建议题", TopicAction.edit: "修改议题", TopicAction.open: "开放议题",
    TopicAction.close: "截止议题", TopicAction.extend: "延期", TopicAction.conclude: "公布结果",
    TopicAction.hide: "隐藏意见", TopicAction.unhide: "恢复显示意见", TopicAction.pin: "置顶意见",
    TopicAction.unpin: "取消置顶", TopicAction.reply: "回复意见", TopicAction.adopt: "采纳意见",
    TopicAction.make_case: "意见转为事项", TopicAction.follow_up_done: "后续事项办结",
}

STATE_LABELS = {
    TopicState.draft: "未开放",
    TopicState.open: "征集中",
    TopicState.closed: "已截止",
    TopicState.concluded: "已公布结果",
}


def may_organize(actor: Actor, street_id: int) -> bool:
    """Street office staff organize their own street's halls; the district committee any street's."""
    if actor.role == Role.district_committee:
        return True
    return actor.role == Role.street_office and actor.street_id == street_id


def check_organizer(actor: Actor, street_id: int) -> None:
    if actor.role not in (Role.street_office, Role.district_committee):
        raise PermissionDeniedError("只有街道人大工委或区人大常委会工作人员可以组织议事")
    if not may_organize(actor, street_id):
        raise PermissionDeniedError("该议题不在您的街道范围内")


def check_participant(actor: Actor) -> None:
    if actor.role not in PARTICIPANT_ROLES:
        raise PermissionDeniedError("只有居民和居民议事会议成员可以发表意见、附议")
