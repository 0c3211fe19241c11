"""What only the linkage commands share: rows locked where they change, the task's timeline, who hears
about what, and files kept with their names."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.core.clock import LOCAL_ZONE
from server.core.db import lock_row
from server.core.errors import InvalidTransitionError, NotFoundError, ValidationError
from server.core.uow import UnitOfWork
from server.files.documents import clean_filename, store_file
from server.linkage.models import LinkageAssignment, LinkageEvent, LinkageFile, LinkageTask
from server.linkage.rules import MAX_FILES, LinkageAction, TaskState, due_day
from server.people.models import Person
from server.people.rules import Actor, Role
from server.pushes import notifications
from server.pushes.states import OutboxKind


@dataclass(frozen=True)
class Upload:
    """A file as it arrived (the console's form, the API's multipart body): its name and its bytes."""

    filename: str
    data: bytes


def load_person(session: Session, person_id: int | None) -> Person:
    person = session.get(Person, person_id) if person_id is not None else None
    if person is None or not person.is_active:
        raise NotFoundError("账号不存在或已停用")
    return person


def lock_task(session: Session, task_id: int) -> LinkageTask:
    return lock_row(session, LinkageTask, task_id, missing="找不到该联动任务", details={"task_id": task_id})


def lock_assignment(session: Session, assignment_id: int) -> tuple[LinkageAssignment, LinkageTask]:
    """The assignment and its task, both locked; a draft's assignments do not exist for anyone yet."""
    assignment = lock_row(session, LinkageAssignment, assignment_id, missing="找不到该联动任务",
                          details={"assignment_id": assignment_id})
    task = lock_task(session, assignment.task_id)
    if task.state == TaskState.draft:
        raise NotFoundError("找不到该联动任务", details={"assignment_id": assignment_id})
    return assignment, task


def check_open(task: LinkageTask) -> None:
    if task.state == TaskState.closed:
        raise InvalidTransitionError("该联动任务已办结，不能再修改", details={"task_id": task.id})


def record_event(session: Session, task_id: int, action: LinkageAction, actor: Actor, now: datetime, *,
                 assignment_id: int | None = None, note: str | None = None,
                 data: dict[str, Any] | None = None) -> LinkageEvent:
    event = LinkageEvent(task_id=task_id, assignment_id=assignment_id, action=action, actor_id=actor.person_id,
                         actor_role=actor.role, note=note, data=data or {}, created_at=now)
    session.add(event)
    return event


def people_of(session: Session, role: Role, street_id: int | None = None) -> list[int]:
    query = select(Person.id).where(Person.role == role, Person.is_active.is_(True))
    if street_id is not None:
        query = query.where(Person.street_id == street_id)
    return list(session.scalars(query.order_by(Person.id)))


def push(session: Session, people: Iterable[int], *, kind: OutboxKind, now: datetime, subject_id: int, key: str,
         payload: dict[str, Any]) -> int:
    """The same push to each of `people`; `key` makes a retried request or sweep push nobody twice."""
    return notifications.push_to(session, people, kind=kind, now=now, subject_id=subject_id, dedupe=key,
                                 payload=payload)


def day_label(moment: datetime) -> str:
    local = moment.astimezone(LOCAL_ZONE)
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def due_label(due_at: datetime) -> str:
    day = due_day(due_at)
    return f"{day.month}月{day.day}日"


def add_files(uow: UnitOfWork, session: Session, task_id: int, purpose: str, files: Sequence[Upload], now: datetime,
              *, assignment_id: int | None = None, activity_id: int | None = None,
              images_only: bool = False) -> list[LinkageFile]:
    """Check every file by its content first (a bad one changes nothing), then keep them with their names."""
    if len(files) > MAX_FILES:
        raise ValidationError(f"一次最多上传 {MAX_FILES} 个文件", details={"field": "files"})
    stored = [(store_file(uow, upload.data), upload.filename) for upload in files]
    if images_only and any(not attachment.content_type.startswith("image/") for attachment, _ in stored):
        raise ValidationError("现场照片只支持 JPEG、PNG、WebP 图片", details={"field": "photos"})
    rows = [LinkageFile(task_id=task_id, assignment_id=assignment_id, activity_id=activity_id,
                        attachment_id=attachment.id, purpose=purpose,
                        filename=clean_filename(filename, attachment.content_type), created_at=now)
            for attachment, filename in stored]
    session.add_all(rows)
    return rows
