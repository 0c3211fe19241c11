"""区街联动 as the API shows it: tasks, each street's assignment, activities and invitations, suggestions."""
from __future__ import annotations

from datetime import date

from pydantic import Field

from miniapp_api.schemas.common import DbId, In, Out, PageQuery, Timestamp
from server.linkage.rules import ActivityKind, TaskKind


class TaskPath(In):
    task_id: DbId


class AssignmentPath(In):
    assignment_id: DbId


class ActivityPath(In):
    activity_id: DbId


class InvitationPath(In):
    invitation_id: DbId


class SuggestionPath(In):
    suggestion_id: DbId


class FilePath(In):
    file_id: DbId


class TaskListQuery(PageQuery):
    state: str | None = Field(None, max_length=20, description="a task state (draft/issued/closed) or a street's "
                                                               "assignment state (issued/acknowledged/…)")
    kind: TaskKind | None = None
    q: str | None = Field(None, max_length=40, description="words in the title or brief")


class CreateTaskIn(In):
    kind: TaskKind
    title: str = Field(max_length=200, description="up to 80 characters")
    brief: str = Field(max_length=10_000, description="up to 5,000 characters")
    due_date: date = Field(description="the last day (Asia/Shanghai) for the streets' results")
    street_ids: list[DbId] = Field(min_length=1, max_length=50)


class CloseTaskIn(In):
    note: str | None = Field(None, max_length=2000, description="required while some street is not accepted")


class ActivityIn(In):
    kind: ActivityKind
    title: str = Field(max_length=200)
    starts_at: Timestamp
    place: str = Field(max_length=300)
    deputy_ids: list[DbId] = Field(min_length=1, max_length=50)
    note: str | None = Field(None, max_length=2000)


class AttendanceIn(In):
    attended_ids: list[DbId] = Field(default_factory=list, max_length=50)
    note: str | None = Field(None, max_length=2000)


class CollectionIn(In):
    closes_at: Timestamp
    title: str | None = Field(None, max_length=200, description="default: the task's title")
    background: str | None = Field(None, max_length=10_000, description="default: the task's brief")


class SuggestionIn(In):
    text: str = Field(max_length=5000, description="up to 2,000 characters")
    author_id: DbId | None = Field(None, description="street office only: the deputy who made the suggestion")


class SuggestionCaseIn(In):
    unit_id: DbId | None = Field(None, description="street office only: route the new case to this unit at once")


class ResultsIn(In):
    report: str = Field(max_length=40_000, description="up to 20,000 characters")


class ReviewIn(In):
    comment: str | None = Field(None, max_length=2000, description="required when returning")


class AnswerIn(In):
    attend: bool = Field(description="true: 参加; false: 不参加")


class FileOut(Out):
    id: int
    filename: str
    purpose: str
    content_type: str
    size_bytes: int
    activity_id: int | None
    is_image: bool
    url: str


class TaskSummary(Out):
    id: int
    kind: TaskKind
    kind_label: str
    title: str
    state: str
    state_label: str
    due_date: date
    due_label: str
    due_at: Timestamp
    issued_at: Timestamp | None
    closed_at: Timestamp | None
    days_left: int | None
    overdue_days: int = Field(description="whole days past the due date while the task is issued")


class AssignmentSummary(Out):
    id: int
    task_id: int
    street_id: int
    street_name: str
    state: str
    state_label: str
    acknowledged_at: Timestamp | None
    submitted_at: Timestamp | None
    first_submitted_at: Timestamp | None
    accepted_at: Timestamp | None
    return_count: int
    review_comment: str | None
    overdue: bool
    topic_id: int | None
    activities: int
    suggestions: int
    suggestions_deputy: int
    suggestions_hall: int
    opinions: int
    cases: int


class TaskListItem(TaskSummary):
    assignments: list[AssignmentSummary]
    street_count: int
    accepted_count: int
    submitted_count: int
    overdue_count: int
    suggestion_count: int


class TaskPage(Out):
    items: list[TaskListItem]
    total: int
    next_cursor: str | None


class EventOut(Out):
    id: int
    action: str
    action_label: str
    actor_name: str | None
    actor_role: str
    street_name: str | None
    note: str | None
    created_at: Timestamp


class TaskDetail(TaskSummary):
    brief: str
    close_note: str | None
    created_by: str | None
    can_review: bool
    assignments: list[AssignmentSummary]
    files: list[FileOut]
    timeline: list[EventOut]


class InvitedOut(Out):
    id: int
    deputy_id: int
    deputy_name: str | None
    answer: str
    answer_label: str
    attended: bool | None


class ActivityOut(Out):
    id: int
    kind: ActivityKind
    kind_label: str
    title: str
    starts_at: Timestamp
    starts_label: str
    place: str
    note: str | None
    attendance_note: str | None
    attendance_recorded_at: Timestamp | None
    invitations: list[InvitedOut]
    photos: list[FileOut]


class CollectionOut(Out):
    topic_id: int
    title: str
    state: str
    closes_at: Timestamp


class SuggestionOut(Out):
    id: int
    author_id: int
    author_name: str = Field(description="deputies by name; residents masked (黄*)")
    author_role: str | None
    source: str
    source_label: str
    text: str
    case_id: int | None
    tracking_number: str | None
    created_at: Timestamp


class AssignmentDetail(AssignmentSummary):
    task: TaskSummary
    report: str | None
    can_work: bool
    can_review: bool
    activity_items: list[ActivityOut] = Field(description="the activities (`activities` is their count)")
    collection: CollectionOut | None
    suggestion_items: list[SuggestionOut]
    report_files: list[FileOut]
    timeline: list[EventOut]


class InvitationOut(Out):
    id: int
    answer: str
    answer_label: str
    attended: bool | None
    activity_id: int
    activity_kind: ActivityKind
    activity_label: str
    title: str
    starts_at: Timestamp
    starts_label: str
    place: str
    assignment_id: int
    street_name: str
    task_id: int
    task_title: str
    can_answer: bool


class InvitationList(Out):
    items: list[InvitationOut]


class MySuggestionOut(Out):
    id: int
    assignment_id: int
    task_title: str
    text: str
    case_id: int | None
    created_at: Timestamp


class MySuggestionList(Out):
    items: list[MySuggestionOut]


class CollectedOut(Out):
    added: int


class CaseMadeOut(Out):
    case_id: int
    tracking_number: str
