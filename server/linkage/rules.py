"""区街联动: the states of a task and of each street's assignment, who may do what, and the deadlines
(pure: no Flask, no SQLAlchemy)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from enum import StrEnum

from server.core.clock import LOCAL_ZONE
from server.core.errors import InvalidTransitionError, PermissionDeniedError
from server.people.rules import Actor, Role

MAX_TITLE = 80
MAX_BRIEF = 5000
MAX_REPORT = 20000
MAX_NOTE = 1000
MAX_PLACE = 120
MAX_SUGGESTION = 2000
MAX_FILES = 9
REMINDER_DAYS = (3, 1)  # reminders this many days before the due date
OVERDUE_MARK = 0  # the reminder claim that stands for "overdue flagged"


class TaskKind(StrEnum):
    assignment = "assignment"  # 任务交办
    survey = "survey"  # 联动调研
    supervision = "supervision"  # 联动监督


class TaskState(StrEnum):
    draft = "draft"
    issued = "issued"
    closed = "closed"


class AssignmentState(StrEnum):
    """One street's share of a task: issued → acknowledged (签收) → in_progress → submitted →
    accepted, or returned → (revised) → submitted again."""

    issued = "issued"
    acknowledged = "acknowledged"
    in_progress = "in_progress"
    submitted = "submitted"
    returned = "returned"
    accepted = "accepted"


class ActivityKind(StrEnum):
    inspection = "inspection"  # 视察
    survey = "survey"  # 调研
    meeting = "meeting"  # 会议


class Answer(StrEnum):
    pending = "pending"
    attend = "attend"
    decline = "decline"


class SuggestionSource(StrEnum):
    deputy = "deputy"  # a deputy's suggestion, entered by the deputy or by the street office for them
    hall = "hall"  # a resident's opinion in the task's collection hall


class LinkageAction(StrEnum):
    create = "create"
    edit = "edit"
    issue = "issue"
    acknowledge = "acknowledge"
    plan_activity = "plan_activity"
    answer_invitation = "answer_invitation"
    record_attendance = "record_attendance"
    open_collection = "open_collection"
    add_suggestion = "add_suggestion"
    make_case = "make_case"
    add_files = "add_files"
    submit = "submit"
    resubmit = "resubmit"
    accept = "accept"
    return_ = "return"
    close = "close"
    remind = "remind"
    overdue = "overdue"


KIND_LABELS = {TaskKind.assignment: "任务交办", TaskKind.survey: "联动调研", TaskKind.supervision: "联动监督"}
TASK_STATE_LABELS = {TaskState.draft: "草稿", TaskState.issued: "已交办", TaskState.closed: "已办结"}
STATE_LABELS = {
    AssignmentState.issued: "待签收", AssignmentState.acknowledged: "已签收", AssignmentState.in_progress: "办理中",
    AssignmentState.submitted: "待审核", AssignmentState.returned: "已退回", AssignmentState.accepted: "已通过",
}
ACTIVITY_LABELS = {ActivityKind.inspection: "视察", ActivityKind.survey: "调研", ActivityKind.meeting: "会议"}
ANSWER_LABELS = {Answer.pending: "未答复", Answer.attend: "参加", Answer.decline: "不参加"}
ACTION_LABELS = {
    LinkageAction.create: "起草任务", LinkageAction.edit: "修改任务", LinkageAction.issue: "交办",
    LinkageAction.acknowledge: "签收", LinkageAction.plan_activity: "安排活动",
    LinkageAction.answer_invitation: "答复邀请", LinkageAction.record_attendance: "记录出席",
    LinkageAction.open_collection: "开启意见征集", LinkageAction.add_suggestion: "录入建议",
    LinkageAction.make_case: "建议转为民情民意", LinkageAction.add_files: "上传附件", LinkageAction.submit: "提交成果",
    LinkageAction.resubmit: "修改后重新提交", LinkageAction.accept: "审核通过", LinkageAction.return_: "退回修改",
    LinkageAction.close: "任务办结", LinkageAction.remind: "到期提醒", LinkageAction.overdue: "逾期",
}

# Where each street action may start, and where it leaves the assignment (None: unchanged).
WORKING = frozenset({AssignmentState.acknowledged, AssignmentState.in_progress, AssignmentState.returned})
TRANSITIONS: dict[LinkageAction, tuple[frozenset[AssignmentState], AssignmentState | None]] = {
    LinkageAction.acknowledge: (frozenset({AssignmentState.issued}), AssignmentState.acknowledged),
    LinkageAction.plan_activity: (WORKING, AssignmentState.in_progress),
    LinkageAction.record_attendance: (WORKING, None),
    LinkageAction.open_collection: (WORKING, AssignmentState.in_progress),
    LinkageAction.add_suggestion: (WORKING, None),
    LinkageAction.add_files: (WORKING, None),
    LinkageAction.make_case: (WORKING | {AssignmentState.submitted, AssignmentState.accepted}, None),
    LinkageAction.submit: (frozenset({AssignmentState.acknowledged, AssignmentState.in_progress}),
                           AssignmentState.submitted),
    LinkageAction.resubmit: (frozenset({AssignmentState.returned}), AssignmentState.submitted),
    LinkageAction.accept: (frozenset({AssignmentState.submitted}), AssignmentState.accepted),
    LinkageAction.return_: (frozenset({AssignmentState.submitted}), AssignmentState.returned),
}
# Still owing the district something: reminders and the overdue flag apply.
OWING = frozenset({AssignmentState.issued, AssignmentState.acknowledged, AssignmentState.in_progress,
                   AssignmentState.returned})


def next_state(action: LinkageAction, state: AssignmentState) -> AssignmentState:
    """The assignment's state after `action`, or InvalidTransitionError in Chinese."""
    allowed, target = TRANSITIONS[action]
    if state not in allowed:
        raise InvalidTransitionError(f"该任务当前“{STATE_LABELS[state]}”，不能{ACTION_LABELS[action]}",
                                     details={"state": state.value, "action": action.value})
    if state == AssignmentState.acknowledged and target is None:
        return AssignmentState.in_progress  # any work after 签收 means the street is on it
    return target or state


def submit_action(state: AssignmentState) -> LinkageAction:
    return LinkageAction.resubmit if state == AssignmentState.returned else LinkageAction.submit


def check_district(actor: Actor) -> None:
    if actor.role != Role.district_committee:
        raise PermissionDeniedError("只有区人大常委会可以交办、审核联动任务")


def check_street_office(actor: Actor, street_id: int) -> None:
    """The street office of the assignment's street acts on it; nobody else."""
    if actor.role != Role.street_office:
        raise PermissionDeniedError("只有街道人大工委可以办理联动任务")
    if actor.street_id != street_id:
        raise PermissionDeniedError("该任务不在您的街道范围内")


def may_see_assignment(actor: Actor, street_id: int) -> bool:
    return actor.role == Role.district_committee or (
        actor.role == Role.street_office and actor.street_id == street_id)


def due_at_for(day: date) -> datetime:
    """A due date is a whole day in Asia/Shanghai: work is on time until that day's midnight."""
    return datetime.combine(day + timedelta(days=1), time.min, LOCAL_ZONE)


def due_day(due_at: datetime) -> date:
    return (due_at.astimezone(LOCAL_ZONE) - timedelta(microseconds=1)).date()


def crossed_reminders(due_at: datetime, now: datetime) -> list[int]:
    """The reminder marks (days before the due date) that `now` has reached, earliest first; 0 = overdue."""
    marks = [days for days in REMINDER_DAYS if now >= due_at - timedelta(days=days) and now < due_at]
    if now >= due_at:
        marks.append(OVERDUE_MARK)
    return marks


def days_left(due_at: datetime, now: datetime) -> int:
    """Whole days left, counted up: 2 days and 3 hours is "3 days"."""
    seconds = (due_at - now).total_seconds()
    return max(0, -int(-seconds // 86400))


def days_overdue(due_at: datetime, now: datetime) -> int:
    """Whole days past the due date, counted up (0 before it)."""
    return days_left(now, due_at) if now > due_at else 0


def on_time(first_submitted_at: datetime | None, due_at: datetime) -> bool:
    return first_submitted_at is not None and first_submitted_at <= due_at
