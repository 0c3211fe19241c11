"""区街联动: tasks, each street's assignment, its activities and invitations, suggestions, files, the
task's timeline and the reminder claims that keep the deadline sweep exactly-once."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.core.column_types import JSONType, enum_column
from server.core.db import Base, UTCDateTime
from server.linkage.rules import (
    ActivityKind,
    Answer,
    AssignmentState,
    LinkageAction,
    SuggestionSource,
    TaskKind,
    TaskState,
)
from server.people.rules import Role


class LinkageTask(Base):
    """A task (任务交办 / 联动调研 / 联动监督) the district committee drafts and issues to streets."""

    __tablename__ = "linkage_tasks"
    __table_args__ = (Index("ix_linkage_tasks_state_due_at", "state", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[TaskKind] = mapped_column(enum_column(TaskKind))
    title: Mapped[str] = mapped_column(String(80))
    brief: Mapped[str] = mapped_column(Text)
    state: Mapped[TaskState] = mapped_column(enum_column(TaskState))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    close_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LinkageAssignment(Base):
    """One street's share of a task; a draft's target streets are assignments in state `issued` that
    nobody sees until the task is issued."""

    __tablename__ = "linkage_assignments"
    __table_args__ = (UniqueConstraint("task_id", "street_id"),
                      Index("ix_linkage_assignments_street_id_state", "street_id", "state"))

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("linkage_tasks.id"), index=True)
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"))
    state: Mapped[AssignmentState] = mapped_column(enum_column(AssignmentState))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    first_submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    report: Mapped[str | None] = mapped_column(Text)
    review_comment: Mapped[str | None] = mapped_column(Text)
    return_count: Mapped[int] = mapped_column(Integer, default=0)
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    # The collection hall (a deliberation topic) opened for this street's share of the task.
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id"), unique=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LinkageActivity(Base):
    """An inspection (视察), survey (调研) or meeting a street organises for its assignment."""

    __tablename__ = "linkage_activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("linkage_assignments.id"), index=True)
    kind: Mapped[ActivityKind] = mapped_column(enum_column(ActivityKind))
    title: Mapped[str] = mapped_column(String(80))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(String(120))
    note: Mapped[str | None] = mapped_column(Text)
    attendance_note: Mapped[str | None] = mapped_column(Text)
    attendance_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LinkageInvitation(Base):
    """A deputy invited to an activity: their answer (参加 / 不参加) and, afterwards, whether they came."""

    __tablename__ = "linkage_invitations"
    __table_args__ = (UniqueConstraint("activity_id", "deputy_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("linkage_activities.id"), index=True)
    deputy_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    answer: Mapped[Answer] = mapped_column(enum_column(Answer, length=16))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attended: Mapped[bool | None] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LinkageSuggestion(Base):
    """A suggestion going back to the district, kept with its author; any may become a case."""

    __tablename__ = "linkage_suggestions"
    __table_args__ = (Index("ix_linkage_suggestions_assignment_id_created_at", "assignment_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("linkage_assignments.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    source: Mapped[SuggestionSource] = mapped_column(enum_column(SuggestionSource, length=16))
    text: Mapped[str] = mapped_column(Text)
    # A hall opinion is copied once: the unique link makes a repeated collection harmless.
    opinion_id: Mapped[int | None] = mapped_column(ForeignKey("opinions.id"), unique=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), unique=True)
    entered_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LinkageFile(Base):
    """A file of the task (brief), of a street's results (report) or of an activity (attendance photos)."""

    __tablename__ = "linkage_files"
    __table_args__ = (Index("ix_linkage_files_task_id_purpose", "task_id", "purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("linkage_tasks.id"))
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("linkage_assignments.id"))
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("linkage_activities.id"))
    attachment_id: Mapped[int] = mapped_column(ForeignKey("attachments.id"))
    purpose: Mapped[str] = mapped_column(String(16))  # brief | report | attendance
    filename: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LinkageEvent(Base):
    """The task's timeline: every change to the task or to a street's assignment, who, when, what."""

    __tablename__ = "linkage_events"
    __table_args__ = (Index("ix_linkage_events_task_id_created_at", "task_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("linkage_tasks.id"))
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("linkage_assignments.id"))
    action: Mapped[LinkageAction] = mapped_column(enum_column(LinkageAction))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    actor_role: Mapped[Role] = mapped_column(enum_column(Role))
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LinkageReminder(Base):
    """A claimed deadline mark of one assignment (3 or 1 days before, 0 = overdue): inserted at most
    once, in the transaction that pushes, so any number of sweepers remind exactly once."""

    __tablename__ = "linkage_reminders"
    __table_args__ = (UniqueConstraint("assignment_id", "days_before"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("linkage_assignments.id"))
    days_before: Mapped[int] = mapped_column(Integer)
    pushes: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
