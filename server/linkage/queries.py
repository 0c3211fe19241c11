"""Read views of linkage tasks, ready for JSON and pages. Scope: the district committee sees every task;
a street office sees only its street's assignments of issued tasks; a deputy sees the activities they
were invited to. Anything out of scope is 404, as for cases."""
from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from server.cases.models import Case
from server.core.errors import NotFoundError, PermissionDeniedError, ValidationError
from server.core.uow import UnitOfWork
from server.files.models import Attachment
from server.halls.models import Opinion, Topic
from server.linkage.common import day_label, due_label, load_person
from server.linkage.models import (
    LinkageActivity,
    LinkageAssignment,
    LinkageEvent,
    LinkageFile,
    LinkageInvitation,
    LinkageSuggestion,
    LinkageTask,
)
from server.linkage.rules import (
    ACTION_LABELS,
    ACTIVITY_LABELS,
    ANSWER_LABELS,
    KIND_LABELS,
    OWING,
    STATE_LABELS,
    TASK_STATE_LABELS,
    AssignmentState,
    TaskState,
    days_left,
    days_overdue,
    due_day,
    may_see_assignment,
)
from server.people.models import Person
from server.people.rules import Actor, Role
from server.places.models import Street

MAX_LIMIT = 100
NOT_FOUND = "找不到该联动任务"


def _window(offset: int, limit: int) -> None:
    if offset < 0 or not 1 <= limit <= MAX_LIMIT:
        raise ValidationError(f"分页参数不正确（每页 1–{MAX_LIMIT} 条）", details={"field": "limit"})


def _names(session: Session, ids) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return dict(session.execute(select(Person.id, Person.name).where(Person.id.in_(ids))).all())


def _streets(session: Session) -> dict[int, str]:
    return dict(session.execute(select(Street.id, Street.name)).all())


def _staff(session: Session, viewer_id: int) -> Actor:
    actor = load_person(session, viewer_id).as_actor()
    if actor.role not in (Role.street_office, Role.district_committee):
        raise PermissionDeniedError("只有区人大常委会和街道人大工委可以查看联动任务")
    return actor


def _late(assignment: LinkageAssignment, task: LinkageTask, now: datetime) -> bool:
    if assignment.overdue:
        return True
    if assignment.first_submitted_at is not None:
        return assignment.first_submitted_at > task.due_at
    return assignment.state in OWING and now >= task.due_at


def task_summary(task: LinkageTask, now: datetime) -> dict[str, Any]:
    return {
        "id": task.id, "kind": task.kind.value, "kind_label": KIND_LABELS[task.kind], "title": task.title,
        "state": task.state.value, "state_label": TASK_STATE_LABELS[task.state], "due_date": due_day(task.due_at),
        "due_label": due_label(task.due_at), "due_at": task.due_at, "issued_at": task.issued_at,
        "closed_at": task.closed_at, "days_left": days_left(task.due_at, now) if task.state == TaskState.issued else None,
        "overdue_days": days_overdue(task.due_at, now) if task.state == TaskState.issued else 0,
    }


def _progress(session: Session, assignments: list[LinkageAssignment]) -> dict[int, dict[str, int]]:
    ids = [a.id for a in assignments]
    counts: dict[int, Counter] = {i: Counter() for i in ids}
    if not ids:
        return {}
    for assignment_id, source, n, made in session.execute(
            select(LinkageSuggestion.assignment_id, LinkageSuggestion.source, func.count(LinkageSuggestion.id),
                   func.count(LinkageSuggestion.case_id))
            .where(LinkageSuggestion.assignment_id.in_(ids))
            .group_by(LinkageSuggestion.assignment_id, LinkageSuggestion.source)):
        counts[assignment_id][f"suggestions_{source.value}"] += n
        counts[assignment_id]["suggestions"] += n
        counts[assignment_id]["cases"] += made
    for assignment_id, n in session.execute(
            select(LinkageActivity.assignment_id, func.count(LinkageActivity.id))
            .where(LinkageActivity.assignment_id.in_(ids)).group_by(LinkageActivity.assignment_id)):
        counts[assignment_id]["activities"] = n
    topics = {a.topic_id: a.id for a in assignments if a.topic_id}
    if topics:
        for topic_id, n in session.execute(
                select(Opinion.topic_id, func.count(Opinion.id))
                .where(Opinion.topic_id.in_(topics), Opinion.hidden.is_(False)).group_by(Opinion.topic_id)):
            counts[topics[topic_id]]["opinions"] = n
    keys = ("activities", "suggestions", "suggestions_deputy", "suggestions_hall", "opinions", "cases")
    return {i: {key: counts[i][key] for key in keys} for i in ids}


def assignment_summary(assignment: LinkageAssignment, task: LinkageTask, street_name: str, progress: dict[str, int],
                       now: datetime) -> dict[str, Any]:
    return {
        "id": assignment.id, "task_id": task.id, "street_id": assignment.street_id, "street_name": street_name,
        "state": assignment.state.value, "state_label": STATE_LABELS[assignment.state],
        "acknowledged_at": assignment.acknowledged_at, "submitted_at": assignment.submitted_at,
        "first_submitted_at": assignment.first_submitted_at, "accepted_at": assignment.accepted_at,
        "return_count": assignment.return_count, "review_comment": assignment.review_comment,
        "overdue": _late(assignment, task, now), "topic_id": assignment.topic_id, **progress,
    }


def list_tasks(uow: UnitOfWork, *, viewer_id: int, state: str | None = None, kind: str | None = None,
               text: str | None = None, offset: int = 0, limit: int = 20) -> dict[str, Any]:
    """Tasks newest first. The district sees all with every street's state; a street office sees the
    issued tasks of its street, each with its own assignment (my assignments)."""
    _window(offset, limit)
    with uow.transaction() as session:
        now = uow.clock.now()
        actor = _staff(session, viewer_id)
        query = select(LinkageTask)
        if actor.role == Role.street_office:
            mine = select(LinkageAssignment.task_id).where(LinkageAssignment.street_id == actor.street_id)
            query = query.where(LinkageTask.id.in_(mine), LinkageTask.state != TaskState.draft)
        if state:
            # A street filters by its own assignment's state; the district by the task's (or any street's).
            by_task = actor.role == Role.district_committee and state in TaskState.__members__
            if not by_task and state not in AssignmentState.__members__:
                raise ValidationError("状态不正确", details={"field": "state"})
            if by_task:
                query = query.where(LinkageTask.state == state)
            else:
                states = select(LinkageAssignment.task_id).where(LinkageAssignment.state == state)
                if actor.role == Role.street_office:
                    states = states.where(LinkageAssignment.street_id == actor.street_id)
                query = query.where(LinkageTask.id.in_(states))
        if kind:
            query = query.where(LinkageTask.kind == kind)
        if text:
            query = query.where(or_(LinkageTask.title.contains(text), LinkageTask.brief.contains(text)))
        total = session.scalar(select(func.count()).select_from(query.subquery()))
        tasks = list(session.scalars(query.order_by(LinkageTask.created_at.desc(), LinkageTask.id.desc())
                                     .offset(offset).limit(limit)))
        assignments = list(session.scalars(select(LinkageAssignment).where(
            LinkageAssignment.task_id.in_([t.id for t in tasks])).order_by(LinkageAssignment.street_id)))
        if actor.role == Role.street_office:
            assignments = [a for a in assignments if a.street_id == actor.street_id]
        streets = _streets(session)
        progress = _progress(session, assignments)
        items = []
        for task in tasks:
            own = [assignment_summary(a, task, streets[a.street_id], progress[a.id], now)
                   for a in assignments if a.task_id == task.id]
            counts = Counter(a["state"] for a in own)
            items.append({**task_summary(task, now), "assignments": own, "street_count": len(own),
                          "accepted_count": counts[AssignmentState.accepted.value],
                          "submitted_count": counts[AssignmentState.submitted.value],
                          "overdue_count": sum(1 for a in own if a["overdue"]),
                          "suggestion_count": sum(a["suggestions"] for a in own)})
        more = offset + len(items) < total
        return {"items": items, "total": total, "offset": offset, "next_offset": offset + limit if more else None}


def _files(session: Session, query) -> list[dict[str, Any]]:
    rows = session.execute(query.join(Attachment, Attachment.id == LinkageFile.attachment_id)
                           .add_columns(Attachment.content_type, Attachment.size_bytes).order_by(LinkageFile.id)).all()
    return [{"id": f.id, "filename": f.filename, "purpose": f.purpose, "content_type": content_type,
             "size_bytes": size, "activity_id": f.activity_id, "is_image": content_type.startswith("image/")}
            for f, content_type, size in rows]


def _timeline(session: Session, task_id: int, assignment_ids: list[int] | None) -> list[dict[str, Any]]:
    query = select(LinkageEvent).where(LinkageEvent.task_id == task_id)
    if assignment_ids is not None:  # a street sees the task's own events and its street's
        query = query.where(or_(LinkageEvent.assignment_id.is_(None), LinkageEvent.assignment_id.in_(assignment_ids)))
    events = list(session.scalars(query.order_by(LinkageEvent.created_at.desc(), LinkageEvent.id.desc())))
    names = _names(session, [e.actor_id for e in events])
    street_of = dict(session.execute(select(LinkageAssignment.id, Street.name).join(
        Street, Street.id == LinkageAssignment.street_id).where(LinkageAssignment.task_id == task_id)).all())
    return [{"id": e.id, "action": e.action.value, "action_label": ACTION_LABELS[e.action],
             "actor_name": names.get(e.actor_id) or ("系统" if e.actor_role == Role.system else None),
             "actor_role": e.actor_role.value, "street_name": street_of.get(e.assignment_id), "note": e.note,
             "created_at": e.created_at} for e in events]


def get_task(uow: UnitOfWork, *, viewer_id: int, task_id: int) -> dict[str, Any]:
    """A task with its brief, files, every street's progress side by side (the district) or the viewer's
    street only (a street office), and the timeline."""
    with uow.transaction() as session:
        now = uow.clock.now()
        actor = _staff(session, viewer_id)
        task = session.get(LinkageTask, task_id)
        if task is None:
            raise NotFoundError(NOT_FOUND, details={"task_id": task_id})
        assignments = list(session.scalars(select(LinkageAssignment).where(LinkageAssignment.task_id == task.id)
                                           .order_by(LinkageAssignment.street_id)))
        if actor.role == Role.street_office:
            assignments = [a for a in assignments if a.street_id == actor.street_id]
            if not assignments or task.state == TaskState.draft:
                raise NotFoundError(NOT_FOUND, details={"task_id": task_id})
        streets = _streets(session)
        progress = _progress(session, assignments)
        return {
            **task_summary(task, now), "brief": task.brief, "close_note": task.close_note,
            "created_by": _names(session, [task.created_by_id]).get(task.created_by_id),
            "can_review": actor.role == Role.district_committee,
            "assignments": [assignment_summary(a, task, streets[a.street_id], progress[a.id], now) for a in assignments],
            "files": _files(session, select(LinkageFile).where(LinkageFile.task_id == task.id,
                                                               LinkageFile.purpose == "brief")),
            "timeline": _timeline(session, task.id, None if actor.role == Role.district_committee
                                  else [a.id for a in assignments]),
        }


def _visible_assignment(session: Session, actor: Actor, assignment_id: int) -> tuple[LinkageAssignment, LinkageTask]:
    assignment = session.get(LinkageAssignment, assignment_id)
    task = session.get(LinkageTask, assignment.task_id) if assignment else None
    if task is None or task.state == TaskState.draft or not may_see_assignment(actor, assignment.street_id):
        raise NotFoundError(NOT_FOUND, details={"assignment_id": assignment_id})
    return assignment, task


def get_assignment(uow: UnitOfWork, *, viewer_id: int, assignment_id: int, suggestions: int = 200) -> dict[str, Any]:
    """One street's work on a task: activities with their invitations and attendance, the collection hall,
    suggestions (newest first, up to `suggestions`), the report and its files."""
    with uow.transaction() as session:
        now = uow.clock.now()
        actor = _staff(session, viewer_id)
        assignment, task = _visible_assignment(session, actor, assignment_id)
        streets = _streets(session)
        activities = list(session.scalars(select(LinkageActivity).where(LinkageActivity.assignment_id == assignment.id)
                                          .order_by(LinkageActivity.starts_at)))
        invitations = list(session.scalars(select(LinkageInvitation).where(
            LinkageInvitation.activity_id.in_([a.id for a in activities])).order_by(LinkageInvitation.id)))
        rows = list(session.scalars(select(LinkageSuggestion).where(LinkageSuggestion.assignment_id == assignment.id)
                                    .order_by(LinkageSuggestion.created_at.desc(), LinkageSuggestion.id.desc())
                                    .limit(suggestions)))
        names = _names(session, [i.deputy_id for i in invitations] + [s.author_id for s in rows])
        roles = dict(session.execute(select(Person.id, Person.role).where(
            Person.id.in_({s.author_id for s in rows}))).all()) if rows else {}
        files = _files(session, select(LinkageFile).where(LinkageFile.assignment_id == assignment.id))
        topic = session.get(Topic, assignment.topic_id) if assignment.topic_id else None
        tracking = dict(session.execute(select(LinkageSuggestion.case_id, _case_number()).where(
            LinkageSuggestion.assignment_id == assignment.id, LinkageSuggestion.case_id.is_not(None))).all())
        return {
            **assignment_summary(assignment, task, streets[assignment.street_id],
                                 _progress(session, [assignment])[assignment.id], now),
            "task": task_summary(task, now), "report": assignment.report,
            "can_work": actor.role == Role.street_office and task.state != TaskState.closed,
            "can_review": actor.role == Role.district_committee and task.state != TaskState.closed,
            "activity_items": [{
                "id": a.id, "kind": a.kind.value, "kind_label": ACTIVITY_LABELS[a.kind], "title": a.title,
                "starts_at": a.starts_at, "starts_label": day_label(a.starts_at), "place": a.place, "note": a.note,
                "attendance_note": a.attendance_note, "attendance_recorded_at": a.attendance_recorded_at,
                "invitations": [{"id": i.id, "deputy_id": i.deputy_id, "deputy_name": names.get(i.deputy_id),
                                 "answer": i.answer.value, "answer_label": ANSWER_LABELS[i.answer],
                                 "attended": i.attended} for i in invitations if i.activity_id == a.id],
                "photos": [f for f in files if f["activity_id"] == a.id],
            } for a in activities],
            "collection": None if topic is None else {
                "topic_id": topic.id, "title": topic.title, "state": topic.state.value, "closes_at": topic.closes_at},
            "suggestion_items": [_suggestion(s, names, roles, tracking) for s in rows],
            "report_files": [f for f in files if f["purpose"] == "report"],
            "timeline": _timeline(session, task.id, [assignment.id]),
        }


def _suggestion(s: LinkageSuggestion, names: dict, roles: dict, tracking: dict) -> dict[str, Any]:
    role = roles.get(s.author_id)
    return {"id": s.id, "author_id": s.author_id, "author_name": _author_name(names.get(s.author_id), role),
            "author_role": role.value if role else None, "source": s.source.value,
            "source_label": "代表建议" if s.source.value == "deputy" else "居民意见", "text": s.text,
            "case_id": s.case_id, "tracking_number": tracking.get(s.case_id), "created_at": s.created_at}


def get_suggestion(uow: UnitOfWork, *, suggestion_id: int) -> dict[str, Any]:
    """One suggestion as lists show it (for the answer to the request that made it)."""
    with uow.transaction() as session:
        s = session.get(LinkageSuggestion, suggestion_id)
        if s is None:
            raise NotFoundError("找不到该建议", details={"suggestion_id": suggestion_id})
        author = session.get(Person, s.author_id)
        number = session.scalar(select(Case.tracking_number).where(Case.id == s.case_id)) if s.case_id else None
        return _suggestion(s, {author.id: author.name}, {author.id: author.role}, {s.case_id: number})


def _case_number():
    return select(Case.tracking_number).where(Case.id == LinkageSuggestion.case_id).scalar_subquery()


def _author_name(name: str | None, role: Role | None) -> str:
    """Deputies by name; residents masked (章**), as everywhere a resident is shown to others."""
    if name is None:
        return "—"
    if role in (Role.resident, Role.council_member):
        return name[:1] + "*" * max(len(name) - 1, 1)
    return name


def street_deputies(uow: UnitOfWork, *, viewer_id: int, assignment_id: int) -> list[dict[str, Any]]:
    """Deputies a street may invite: its own first, then the rest of the district."""
    with uow.transaction() as session:
        actor = _staff(session, viewer_id)
        assignment, _task = _visible_assignment(session, actor, assignment_id)
        people = session.execute(select(Person.id, Person.name, Person.street_id).where(
            Person.role == Role.deputy, Person.is_active.is_(True)).order_by(Person.id)).all()
        streets = _streets(session)
        ordered = sorted(people, key=lambda p: (p.street_id != assignment.street_id, p.id))
        return [{"id": p.id, "name": p.name, "street_name": streets.get(p.street_id, ""),
                 "own_street": p.street_id == assignment.street_id} for p in ordered]


def my_invitations(uow: UnitOfWork, *, deputy_id: int, upcoming_only: bool = False, limit: int = 20) -> list[dict[str, Any]]:
    """A deputy's invitations, next activity first."""
    with uow.transaction() as session:
        now = uow.clock.now()
        person = load_person(session, deputy_id)
        if person.role != Role.deputy:
            raise PermissionDeniedError("只有人大代表有活动邀请")
        query = (select(LinkageInvitation, LinkageActivity, LinkageAssignment, LinkageTask)
                 .join(LinkageActivity, LinkageActivity.id == LinkageInvitation.activity_id)
                 .join(LinkageAssignment, LinkageAssignment.id == LinkageActivity.assignment_id)
                 .join(LinkageTask, LinkageTask.id == LinkageAssignment.task_id)
                 .where(LinkageInvitation.deputy_id == deputy_id))
        if upcoming_only:
            query = query.where(LinkageActivity.starts_at > now, LinkageTask.state == TaskState.issued)
        rows = session.execute(query.order_by(LinkageActivity.starts_at.desc()).limit(limit)).all()
        streets = _streets(session)
        return [{"id": i.id, "answer": i.answer.value, "answer_label": ANSWER_LABELS[i.answer], "attended": i.attended,
                 "activity_id": a.id, "activity_kind": a.kind.value, "activity_label": ACTIVITY_LABELS[a.kind],
                 "title": a.title, "starts_at": a.starts_at, "starts_label": day_label(a.starts_at), "place": a.place,
                 "assignment_id": s.id, "street_name": streets[s.street_id], "task_id": t.id, "task_title": t.title,
                 "can_answer": a.starts_at > now and a.attendance_recorded_at is None and t.state == TaskState.issued}
                for i, a, s, t in rows]


def my_suggestions(uow: UnitOfWork, *, deputy_id: int, limit: int = 50) -> list[dict[str, Any]]:
    with uow.transaction() as session:
        rows = session.execute(select(LinkageSuggestion, LinkageTask.title)
                               .join(LinkageAssignment, LinkageAssignment.id == LinkageSuggestion.assignment_id)
                               .join(LinkageTask, LinkageTask.id == LinkageAssignment.task_id)
                               .where(LinkageSuggestion.author_id == deputy_id)
                               .order_by(LinkageSuggestion.id.desc()).limit(limit)).all()
        return [{"id": s.id, "assignment_id": s.assignment_id, "task_title": title, "text": s.text,
                 "case_id": s.case_id, "created_at": s.created_at} for s, title in rows]


def visible_file(uow: UnitOfWork, *, viewer_id: int, file_id: int) -> dict[str, Any]:
    """A task's file for someone who may see it: the district; the street office of the assignment (or any
    street of the task for the brief); a deputy invited to the activity whose photos it is."""
    with uow.transaction() as session:
        actor = load_person(session, viewer_id).as_actor()
        found = session.execute(select(LinkageFile, Attachment).join(Attachment, Attachment.id == LinkageFile.attachment_id)
                                .where(LinkageFile.id == file_id)).first()
        if found is None:
            raise NotFoundError("找不到该文件", details={"file_id": file_id})
        row, attachment = found
        task = session.get(LinkageTask, row.task_id)
        allowed = actor.role == Role.district_committee
        if actor.role == Role.street_office and task.state != TaskState.draft:
            streets = set(session.scalars(select(LinkageAssignment.street_id).where(
                LinkageAssignment.id == row.assignment_id if row.assignment_id else LinkageAssignment.task_id == task.id)))
            allowed = actor.street_id in streets
        if actor.role == Role.deputy and row.activity_id is not None:
            allowed = session.scalar(select(LinkageInvitation.id).where(
                LinkageInvitation.activity_id == row.activity_id, LinkageInvitation.deputy_id == actor.person_id)) is not None
        if not allowed:
            raise NotFoundError("找不到该文件", details={"file_id": file_id})
        return {"sha256": attachment.sha256, "content_type": attachment.content_type, "filename": row.filename}
