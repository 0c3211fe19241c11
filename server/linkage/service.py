"""区街联动, the district's side: draft a task, issue it to streets, review each street's results, close it.

Each function is one transaction; every change is an event on the task's timeline, and pushes go to the
outbox in the same transaction. The streets' side (签收, activities, collection, suggestions, results)
lives in `work.py`; the names other packages need are re-exported here.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import delete, select

from server.core.clock import LOCAL_ZONE
from server.core.errors import InvalidTransitionError, ValidationError
from server.core.text import clean_text
from server.core.uow import UnitOfWork
from server.linkage.common import (
    Upload,
    add_files,
    check_open,
    due_label,
    load_person,
    lock_assignment,
    lock_task,
    people_of,
    push,
    record_event,
)
from server.linkage.models import LinkageAssignment, LinkageTask
from server.linkage.rules import (
    KIND_LABELS,
    MAX_BRIEF,
    MAX_NOTE,
    MAX_TITLE,
    AssignmentState,
    LinkageAction,
    TaskKind,
    TaskState,
    check_district,
    due_at_for,
    next_state,
)
from server.linkage.work import (
    acknowledge_assignment,
    add_activity_photos,
    add_result_files,
    add_suggestion,
    answer_invitation,
    collect_hall_opinions,
    make_case_from_suggestion,
    open_collection,
    plan_activity,
    record_attendance,
    submit_results,
)
from server.people.rules import Role
from server.places.models import Street
from server.pushes.states import OutboxKind

__all__ = [
    "Upload", "accept_results", "acknowledge_assignment", "add_activity_photos", "add_result_files", "add_suggestion", "add_task_files", "answer_invitation",
    "close_task", "collect_hall_opinions", "create_task", "edit_task", "issue_task", "make_case_from_suggestion",
    "open_collection", "plan_activity", "record_attendance", "return_results", "submit_results",
]


def _kind(kind: TaskKind | str) -> TaskKind:
    try:
        return TaskKind(kind)
    except ValueError:
        raise ValidationError("请选择任务类型（任务交办、联动调研或联动监督）", details={"field": "kind"}) from None


def _check_due(due_date: date, uow: UnitOfWork) -> None:
    if due_date < uow.clock.now().astimezone(LOCAL_ZONE).date():
        raise ValidationError("完成期限不能早于今天", details={"field": "due_date"})


def _street_ids(session, street_ids: Sequence[int]) -> list[int]:
    ids = list(dict.fromkeys(street_ids))
    if not ids:
        raise ValidationError("请至少选择一个街道", details={"field": "street_ids"})
    known = set(session.scalars(select(Street.id).where(Street.id.in_(ids))))
    unknown = [street_id for street_id in ids if street_id not in known]
    if unknown:
        raise ValidationError("街道不存在", details={"field": "street_ids", "unknown": unknown})
    return ids


def _set_streets(session, task: LinkageTask, street_ids: list[int], now) -> None:
    session.execute(delete(LinkageAssignment).where(LinkageAssignment.task_id == task.id))
    session.add_all(LinkageAssignment(task_id=task.id, street_id=street_id, state=AssignmentState.issued,
                                      return_count=0, overdue=False, updated_at=now) for street_id in street_ids)


def create_task(uow: UnitOfWork, *, actor_id: int, kind: TaskKind | str, title: str, brief: str, due_date: date,
                street_ids: Sequence[int], files: Sequence[Upload] = ()) -> LinkageTask:
    """The district committee drafts a task for some streets; nobody else sees it until it is issued."""
    with uow.transaction() as session:
        now = uow.clock.now()
        actor = load_person(session, actor_id).as_actor()
        check_district(actor)
        task_kind = _kind(kind)
        title = clean_text(title, field="任务标题", limit=MAX_TITLE)
        brief = clean_text(brief, field="任务要求", limit=MAX_BRIEF)
        _check_due(due_date, uow)
        ids = _street_ids(session, street_ids)
        task = LinkageTask(kind=task_kind, title=title, brief=brief, state=TaskState.draft, due_at=due_at_for(due_date),
                           created_by_id=actor_id, created_at=now, updated_at=now)
        session.add(task)
        session.flush()
        _set_streets(session, task, ids, now)
        add_files(uow, session, task.id, "brief", files, now)
        record_event(session, task.id, LinkageAction.create, actor, now, data={"street_ids": ids})
        session.flush()
        return task


def edit_task(uow: UnitOfWork, *, actor_id: int, task_id: int, kind: TaskKind | str | None = None,
              title: str | None = None, brief: str | None = None, due_date: date | None = None,
              street_ids: Sequence[int] | None = None, files: Sequence[Upload] = ()) -> LinkageTask:
    """Change a draft (None leaves a field as it is); an issued task keeps what the streets received."""
    with uow.transaction() as session:
        now = uow.clock.now()
        actor = load_person(session, actor_id).as_actor()
        check_district(actor)
        task = lock_task(session, task_id)
        if task.state != TaskState.draft:
            raise InvalidTransitionError("任务已交办，不能再修改", details={"state": task.state.value})
        changed = []
        if kind is not None:
            task.kind = _kind(kind)
            changed.append("kind")
        if title is not None:
            task.title = clean_text(title, field="任务标题", limit=MAX_TITLE)
            changed.append("title")
        if brief is not None:
            task.brief = clean_text(brief, field="任务要求", limit=MAX_BRIEF)
            changed.append("brief")
        if due_date is not None:
            _check_due(due_date, uow)
            task.due_at = due_at_for(due_date)
            changed.append("due_date")
        if street_ids is not None:
            _set_streets(session, task, _street_ids(session, street_ids), now)
            changed.append("streets")
        if files:
            add_files(uow, session, task.id, "brief", files, now)
            changed.append("files")
        task.updated_at = now
        record_event(session, task.id, LinkageAction.edit, actor, now, data={"changed": changed})
        session.flush()
        return task


def add_task_files(uow: UnitOfWork, *, actor_id: int, task_id: int, files: Sequence[Upload]) -> LinkageTask:
    """The district adds attachments to a draft (PDF, Word, images; checked by content)."""
    if not files:
        raise ValidationError("请选择要上传的文件", details={"field": "files"})
    return edit_task(uow, actor_id=actor_id, task_id=task_id, files=files)


def issue_task(uow: UnitOfWork, *, actor_id: int, task_id: int) -> LinkageTask:
    """Issue a draft: every target street's office is pushed and must acknowledge (签收)."""
    with uow.transaction() as session:
        now = uow.clock.now()
        actor = load_person(session, actor_id).as_actor()
        check_district(actor)
        task = lock_task(session, task_id)
        if task.state != TaskState.draft:
            raise InvalidTransitionError("该任务已交办", details={"state": task.state.value})
        if task.due_at <= now:
            raise ValidationError("完成期限已过，请先修改完成期限", details={"field": "due_date"})
        task.state, task.issued_at, task.updated_at = TaskState.issued, now, now
        assignments = list(session.scalars(select(LinkageAssignment).where(LinkageAssignment.task_id == task.id)))
        payload = {"task_id": task.id, "task_title": task.title, "kind_label": KIND_LABELS[task.kind],
                   "due_date": due_label(task.due_at)}
        for assignment in assignments:
            assignment.updated_at = now
            push(session, people_of(session, Role.street_office, assignment.street_id), kind=OutboxKind.linkage_issued,
                 now=now, subject_id=assignment.id, key="issue", payload=payload)
        record_event(session, task.id, LinkageAction.issue, actor, now,
                     data={"street_ids": [a.street_id for a in assignments]})
        session.flush()
        return task


def _review(uow: UnitOfWork, actor_id: int, assignment_id: int, action: LinkageAction, comment: str | None,
            kind: OutboxKind) -> LinkageAssignment:
    with uow.transaction() as session:
        now = uow.clock.now()
        actor = load_person(session, actor_id).as_actor()
        check_district(actor)
        assignment, task = lock_assignment(session, assignment_id)
        check_open(task)
        assignment.state = next_state(action, assignment.state)
        assignment.review_comment, assignment.updated_at = comment, now
        if action == LinkageAction.accept:
            assignment.accepted_at = now
        else:
            assignment.return_count += 1
        record_event(session, task.id, action, actor, now, assignment_id=assignment.id, note=comment)
        push(session, people_of(session, Role.street_office, assignment.street_id), kind=kind, now=now,
             subject_id=assignment.id, key=f"{action.value}:{assignment.return_count}",
             payload={"task_id": task.id, "task_title": task.title, "comment": comment or ""})
        session.flush()
        return assignment


def accept_results(uow: UnitOfWork, *, actor_id: int, assignment_id: int, comment: str | None = None) -> LinkageAssignment:
    """The district accepts a street's submitted results."""
    comment = clean_text(comment, field="审核意见", limit=MAX_NOTE, required=False)
    return _review(uow, actor_id, assignment_id, LinkageAction.accept, comment, OutboxKind.linkage_accepted)


def return_results(uow: UnitOfWork, *, actor_id: int, assignment_id: int, comment: str) -> LinkageAssignment:
    """The district returns a street's results with comments; the street revises and resubmits."""
    comment = clean_text(comment, field="退回意见", limit=MAX_NOTE)
    return _review(uow, actor_id, assignment_id, LinkageAction.return_, comment, OutboxKind.linkage_returned)


def close_task(uow: UnitOfWork, *, actor_id: int, task_id: int, note: str | None = None) -> LinkageTask:
    """The district closes an issued task; streets whose results were not accepted need a note saying why."""
    with uow.transaction() as session:
        now = uow.clock.now()
        actor = load_person(session, actor_id).as_actor()
        check_district(actor)
        task = lock_task(session, task_id)
        if task.state != TaskState.issued:
            raise InvalidTransitionError("只有已交办的任务可以办结", details={"state": task.state.value})
        note = clean_text(note, field="办结说明", limit=MAX_NOTE, required=False)
        pending = session.scalar(select(LinkageAssignment.id).where(
            LinkageAssignment.task_id == task.id, LinkageAssignment.state != AssignmentState.accepted).limit(1))
        if pending is not None and not note:
            raise ValidationError("还有街道的成果未审核通过，请填写办结说明", details={"field": "note"})
        task.state, task.closed_at, task.close_note, task.updated_at = TaskState.closed, now, note, now
        record_event(session, task.id, LinkageAction.close, actor, now, note=note)
        session.flush()
        return task
