"""区街联动, the street's side: 签收, activities with invited deputies (and their answers), attendance
with photos, an opinion collection in a deliberation hall, deputies' suggestions, cases made from
suggestions, and the results submitted (again after a return). One transaction per function."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select

from server.cases import service as cases
from server.cases.models import Case
from server.cases.states import Source
from server.core.db import insert_for, lock_row
from server.core.errors import (
    ConflictError,
    InvalidTransitionError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from server.core.text import clean_text
from server.core.uow import UnitOfWork
from server.halls import outcomes as hall_outcomes
from server.halls import service as halls
from server.halls.models import Opinion
from server.linkage.common import (
    Upload,
    add_files,
    check_open,
    day_label,
    load_person,
    lock_assignment,
    people_of,
    push,
    record_event,
)
from server.linkage.models import LinkageActivity, LinkageAssignment, LinkageInvitation, LinkageSuggestion
from server.linkage.rules import (
    ACTIVITY_LABELS,
    MAX_NOTE,
    MAX_PLACE,
    MAX_REPORT,
    MAX_SUGGESTION,
    MAX_TITLE,
    ActivityKind,
    Answer,
    LinkageAction,
    SuggestionSource,
    check_street_office,
    may_see_assignment,
    next_state,
    submit_action,
)
from server.people.models import Person
from server.people.rules import Actor, Role
from server.places.models import Street
from server.pushes.states import OutboxKind

MAX_INVITED = 50


def _street_step(session, actor: Actor, assignment: LinkageAssignment, task, action: LinkageAction, now: datetime,
                 **event) -> None:
    """Check scope, task and state; move the assignment; record the event."""
    check_street_office(actor, assignment.street_id)
    check_open(task)
    assignment.state = next_state(action, assignment.state)
    assignment.updated_at = now
    record_event(session, task.id, action, actor, now, assignment_id=assignment.id, **event)


def _scoped(session, actor: Actor, assignment_id: int):
    """The assignment if the actor's scope reaches it, else 404 (another street's work does not exist)."""
    assignment, task = lock_assignment(session, assignment_id)
    if actor.role in (Role.street_office, Role.district_committee) and not may_see_assignment(actor, assignment.street_id):
        raise NotFoundError("找不到该联动任务", details={"assignment_id": assignment_id})
    return assignment, task


def acknowledge_assignment(uow: UnitOfWork, *, actor_id: int, assignment_id: int) -> LinkageAssignment:
    """签收: the street office confirms it received the task."""
    with uow.transaction() as session:
        now = uow.clock.now()
        person = load_person(session, actor_id)
        assignment, task = _scoped(session, person.as_actor(), assignment_id)
        _street_step(session, person.as_actor(), assignment, task, LinkageAction.acknowledge, now)
        assignment.acknowledged_at, assignment.acknowledged_by_id = now, person.id
        session.flush()
        return assignment


def _deputies(session, deputy_ids: Sequence[int]) -> list[Person]:
    ids = list(dict.fromkeys(deputy_ids))
    if not ids:
        raise ValidationError("请至少邀请一位代表", details={"field": "deputy_ids"})
    if len(ids) > MAX_INVITED:
        raise ValidationError(f"一次最多邀请 {MAX_INVITED} 位代表", details={"field": "deputy_ids"})
    found = {p.id: p for p in session.scalars(select(Person).where(
        Person.id.in_(ids), Person.role == Role.deputy, Person.is_active.is_(True)))}
    missing = [i for i in ids if i not in found]
    if missing:
        raise ValidationError("所选人员不是在册人大代表", details={"field": "deputy_ids", "unknown": missing})
    return [found[i] for i in ids]


def plan_activity(uow: UnitOfWork, *, actor_id: int, assignment_id: int, kind: ActivityKind | str, title: str,
                  starts_at: datetime, place: str, deputy_ids: Sequence[int], note: str | None = None) -> LinkageActivity:
    """The street plans an inspection (视察), survey (调研) or meeting; each invited deputy is pushed."""
    with uow.transaction() as session:
        now = uow.clock.now()
        actor = load_person(session, actor_id).as_actor()
        assignment, task = _scoped(session, actor, assignment_id)
        try:
            activity_kind = ActivityKind(kind)
        except ValueError:
            raise ValidationError("请选择活动类型（视察、调研或会议）", details={"field": "kind"}) from None
        title = clean_text(title, field="活动名称", limit=MAX_TITLE)
        place = clean_text(place, field="活动地点", limit=MAX_PLACE)
        note = clean_text(note, field="活动说明", limit=MAX_NOTE, required=False)
        if starts_at.tzinfo is None:
            raise ValidationError("时间须带时区", details={"field": "starts_at"})
        if starts_at <= now:
            raise ValidationError("活动时间须晚于现在", details={"field": "starts_at"})
        deputies = _deputies(session, deputy_ids)
        same = session.scalar(select(LinkageActivity.id).where(
            LinkageActivity.assignment_id == assignment.id, LinkageActivity.kind == activity_kind,
            LinkageActivity.title == title, LinkageActivity.starts_at == starts_at))
        if same is not None:  # a form sent twice, or two clerks at once: one activity, one push each
            raise ConflictError("该活动已安排", details={"activity_id": same})
        _street_step(session, actor, assignment, task, LinkageAction.plan_activity, now,
                     note=f"{ACTIVITY_LABELS[activity_kind]}：{title}",
                     data={"deputy_ids": [d.id for d in deputies], "starts_at": starts_at.isoformat()})
        activity = LinkageActivity(assignment_id=assignment.id, kind=activity_kind, title=title, starts_at=starts_at,
                                   place=place, note=note, created_by_id=actor_id, created_at=now)
        session.add(activity)
        session.flush()
        for deputy in deputies:
            invitation = LinkageInvitation(activity_id=activity.id, deputy_id=deputy.id, answer=Answer.pending,
                                           created_at=now)
            session.add(invitation)
            session.flush()
            push(session, [deputy.id], kind=OutboxKind.linkage_invited, now=now, subject_id=invitation.id,
                 key="invite", payload={"invitation_id": invitation.id, "activity_label": ACTIVITY_LABELS[activity_kind],
                                        "activity_title": title, "starts_at": day_label(starts_at), "place": place,
                                        "task_title": task.title})
        return activity


def answer_invitation(uow: UnitOfWork, *, actor_id: int, invitation_id: int, attend: bool) -> LinkageInvitation:
    """An invited deputy answers 参加 / 不参加 (chat or mini-program); the same answer again changes nothing."""
    with uow.transaction() as session:
        now = uow.clock.now()
        actor = load_person(session, actor_id).as_actor()
        invitation = lock_row(session, LinkageInvitation, invitation_id, missing="找不到该邀请")
        if invitation.deputy_id != actor_id:
            raise NotFoundError("找不到该邀请", details={"invitation_id": invitation_id})
        activity = session.get(LinkageActivity, invitation.activity_id)
        assignment, task = lock_assignment(session, activity.assignment_id)
        check_open(task)
        if activity.attendance_recorded_at is not None or activity.starts_at <= now:
            raise InvalidTransitionError("活动已开始，不能再答复", details={"activity_id": activity.id})
        answer = Answer.attend if attend else Answer.decline
        if invitation.answer != answer:
            invitation.answer, invitation.answered_at = answer, now
            record_event(session, task.id, LinkageAction.answer_invitation, actor, now, assignment_id=assignment.id,
                         note=f"{activity.title}：{'参加' if attend else '不参加'}",
                         data={"activity_id": activity.id, "answer": answer.value})
        session.flush()
        return invitation


def record_attendance(uow: UnitOfWork, *, actor_id: int, activity_id: int, attended_ids: Sequence[int],
                      note: str | None = None, photos: Sequence[Upload] = ()) -> LinkageActivity:
    """After the activity: which invited deputies came, a note, and photos of it (again to correct)."""
    with uow.transaction() as session:
        now = uow.clock.now()
        actor = load_person(session, actor_id).as_actor()
        activity = session.get(LinkageActivity, activity_id)
        if activity is None:
            raise NotFoundError("找不到该活动", details={"activity_id": activity_id})
        assignment, task = _scoped(session, actor, activity.assignment_id)
        if activity.starts_at > now:
            raise ValidationError("活动尚未开始，不能记录出席", details={"field": "attended_ids"})
        note = clean_text(note, field="活动情况", limit=MAX_NOTE, required=False)
        invitations = list(session.scalars(select(LinkageInvitation).where(LinkageInvitation.activity_id == activity.id)))
        invited = {i.deputy_id for i in invitations}
        came = set(attended_ids)
        if came - invited:
            raise ValidationError("只能记录受邀代表的出席", details={"field": "attended_ids",
                                                                "unknown": sorted(came - invited)})
        _street_step(session, actor, assignment, task, LinkageAction.record_attendance, now, note=note,
                     data={"activity_id": activity.id, "attended": sorted(came), "photos": len(photos)})
        for invitation in invitations:
            invitation.attended = invitation.deputy_id in came
        activity.attendance_note, activity.attendance_recorded_at = note, now
        add_files(uow, session, task.id, "attendance", photos, now, assignment_id=assignment.id, activity_id=activity.id,
                  images_only=True)
        session.flush()
        return activity


def open_collection(uow: UnitOfWork, *, actor_id: int, assignment_id: int, closes_at: datetime,
                    title: str | None = None, background: str | None = None) -> LinkageAssignment:
    """Open the residents' opinion collection: a deliberation hall topic of the street, linked to the task."""
    with uow.transaction() as session:
        now = uow.clock.now()
        actor = load_person(session, actor_id).as_actor()
        assignment, task = _scoped(session, actor, assignment_id)
        if assignment.topic_id is not None:
            raise ConflictError("已开启意见征集", details={"topic_id": assignment.topic_id})
        _street_step(session, actor, assignment, task, LinkageAction.open_collection, now)
        topic = halls.create_topic(uow, actor_id=actor_id, title=title or task.title[:80],
                                   background=background or task.brief[:5000], closes_at=closes_at,
                                   street_id=assignment.street_id)
        halls.open_topic(uow, actor_id=actor_id, topic_id=topic.id)
        assignment.topic_id = topic.id
        session.flush()
        return assignment


def _author(session, actor: Actor, assignment: LinkageAssignment, author_id: int | None) -> Person:
    if actor.role == Role.deputy:
        if author_id not in (None, actor.person_id):
            raise PermissionDeniedError("代表只能提交自己的建议")
        return session.get(Person, actor.person_id)
    check_street_office(actor, assignment.street_id)
    if author_id is None:
        raise ValidationError("请选择提出建议的代表", details={"field": "author_id"})
    author = session.get(Person, author_id)
    if author is None or not author.is_active or author.role != Role.deputy:
        raise ValidationError("提出建议的人须是在册人大代表", details={"field": "author_id"})
    return author


def _deputy_may_suggest(session, deputy_id: int, assignment: LinkageAssignment) -> bool:
    invited = (select(LinkageInvitation.id).join(LinkageActivity, LinkageActivity.id == LinkageInvitation.activity_id)
               .where(LinkageActivity.assignment_id == assignment.id, LinkageInvitation.deputy_id == deputy_id))
    deputy = session.get(Person, deputy_id)
    return deputy.street_id == assignment.street_id or session.scalar(invited.limit(1)) is not None


def add_suggestion(uow: UnitOfWork, *, actor_id: int, assignment_id: int, text: str,
                   author_id: int | None = None) -> LinkageSuggestion:
    """A deputy's suggestion, kept with its author: sent by the deputy (invited, or of the street) or
    entered by the street office for them."""
    with uow.transaction() as session:
        now = uow.clock.now()
        actor = load_person(session, actor_id).as_actor()
        assignment, task = lock_assignment(session, assignment_id)
        if actor.role not in (Role.deputy, Role.street_office):
            raise PermissionDeniedError("只有人大代表或街道人大工委可以录入建议")
        if actor.role == Role.deputy and not _deputy_may_suggest(session, actor.person_id, assignment):
            raise NotFoundError("找不到该联动任务", details={"assignment_id": assignment_id})
        if actor.role == Role.street_office and actor.street_id != assignment.street_id:
            raise NotFoundError("找不到该联动任务", details={"assignment_id": assignment_id})
        author = _author(session, actor, assignment, author_id)
        text = clean_text(text, field="建议内容", limit=MAX_SUGGESTION)
        check_open(task)
        same = session.scalar(select(LinkageSuggestion.id).where(
            LinkageSuggestion.assignment_id == assignment.id, LinkageSuggestion.author_id == author.id,
            LinkageSuggestion.text == text))
        if same is not None:
            raise ConflictError("该建议已录入", details={"suggestion_id": same})
        assignment.state = next_state(LinkageAction.add_suggestion, assignment.state)
        assignment.updated_at = now
        suggestion = LinkageSuggestion(assignment_id=assignment.id, author_id=author.id, source=SuggestionSource.deputy,
                                       text=text, entered_by_id=actor_id, created_at=now)
        session.add(suggestion)
        session.flush()
        record_event(session, task.id, LinkageAction.add_suggestion, actor, now, assignment_id=assignment.id,
                     note=text[:60], data={"suggestion_id": suggestion.id, "author_id": author.id})
        return suggestion


def _collect(session, assignment: LinkageAssignment, actor_id: int, now: datetime) -> int:
    """Copy the collection hall's visible opinions into suggestions once each (the unique opinion_id
    makes a repeated collection add nothing)."""
    if assignment.topic_id is None:
        return 0
    opinions = session.execute(select(Opinion.id, Opinion.author_id, Opinion.text, Opinion.created_at).where(
        Opinion.topic_id == assignment.topic_id, Opinion.hidden.is_(False)).order_by(Opinion.id)).all()
    if not opinions:
        return 0
    insert = insert_for(session.get_bind().dialect.name)
    rows = [dict(assignment_id=assignment.id, author_id=o.author_id, source=SuggestionSource.hall, text=o.text,
                 opinion_id=o.id, entered_by_id=actor_id, created_at=o.created_at) for o in opinions]
    before = _count(session, assignment.id)
    session.execute(insert(LinkageSuggestion).on_conflict_do_nothing(index_elements=["opinion_id"]), rows)
    return _count(session, assignment.id) - before


def _count(session, assignment_id: int) -> int:
    return session.scalar(select(func.count(LinkageSuggestion.id)).where(LinkageSuggestion.assignment_id == assignment_id))


def collect_hall_opinions(uow: UnitOfWork, *, actor_id: int, assignment_id: int) -> int:
    """Bring the residents' opinions from the collection hall into the suggestions; returns how many were new."""
    with uow.transaction() as session:
        now = uow.clock.now()
        actor = load_person(session, actor_id).as_actor()
        assignment, task = _scoped(session, actor, assignment_id)
        check_street_office(actor, assignment.street_id)
        check_open(task)
        added = _collect(session, assignment, actor_id, now)
        if added:
            record_event(session, task.id, LinkageAction.add_suggestion, actor, now, assignment_id=assignment.id,
                         note=f"汇总议事厅居民意见 {added} 条", data={"from_topic_id": assignment.topic_id, "added": added})
        return added


def make_case_from_suggestion(uow: UnitOfWork, *, actor_id: int, suggestion_id: int, unit_id: int | None = None) -> Case:
    """Turn a suggestion into a case of the 72-hour loop (its author as reporter); the street office may
    route it to a handling unit at once."""
    with uow.transaction() as session:
        now = uow.clock.now()
        actor = load_person(session, actor_id).as_actor()
        suggestion = lock_row(session, LinkageSuggestion, suggestion_id, missing="找不到该建议")
        assignment, task = _scoped(session, actor, suggestion.assignment_id)
        if actor.role not in (Role.street_office, Role.district_committee):
            raise PermissionDeniedError("只有街道人大工委或区人大常委会可以把建议转为民情民意")
        next_state(LinkageAction.make_case, assignment.state)  # only once the street is working on it
        if suggestion.case_id is not None:
            raise ConflictError("该建议已转为民情民意事项", details={"case_id": suggestion.case_id})
        if unit_id is not None and actor.role != Role.street_office:
            raise ValidationError("请由街道人大工委流转承办单位", details={"field": "unit_id"})
        if suggestion.opinion_id is not None:
            case_id = session.scalar(select(Opinion.case_id).where(Opinion.id == suggestion.opinion_id))
            case = session.get(Case, case_id) if case_id else hall_outcomes.create_case_from_opinion(
                uow, actor_id=actor_id, opinion_id=suggestion.opinion_id, unit_id=unit_id)
        else:
            case = cases.submit_case(uow, reporter_id=suggestion.author_id, street_id=assignment.street_id,
                                     description=f"【区街联动·{task.title}】{suggestion.text}"[:2000],
                                     source=Source.linkage)
            if unit_id is not None:
                case = cases.route_case(uow, actor_id=actor_id, case_id=case.id, unit_id=unit_id,
                                        note=f"来自区街联动任务“{task.title}”")
        suggestion.case_id = case.id
        record_event(session, task.id, LinkageAction.make_case, actor, now, assignment_id=assignment.id,
                     note=suggestion.text[:60], data={"suggestion_id": suggestion.id, "case_id": case.id,
                                                      "tracking_number": case.tracking_number})
        session.flush()
        return case


def add_result_files(uow: UnitOfWork, *, actor_id: int, assignment_id: int,
                     files: Sequence[Upload]) -> LinkageAssignment:
    """Attach files to the street's results while it works on them (before submitting, or after a return)."""
    if not files:
        raise ValidationError("请选择要上传的文件", details={"field": "files"})
    with uow.transaction() as session:
        now = uow.clock.now()
        actor = load_person(session, actor_id).as_actor()
        assignment, task = _scoped(session, actor, assignment_id)
        rows = add_files(uow, session, task.id, "report", files, now, assignment_id=assignment.id)
        _street_step(session, actor, assignment, task, LinkageAction.add_files, now,
                     note="、".join(row.filename for row in rows))
        session.flush()
        return assignment


def add_activity_photos(uow: UnitOfWork, *, actor_id: int, activity_id: int, photos: Sequence[Upload]) -> LinkageActivity:
    """Photos of an activity that has taken place (images only)."""
    if not photos:
        raise ValidationError("请选择要上传的照片", details={"field": "photos"})
    with uow.transaction() as session:
        now = uow.clock.now()
        actor = load_person(session, actor_id).as_actor()
        activity = session.get(LinkageActivity, activity_id)
        if activity is None:
            raise NotFoundError("找不到该活动", details={"activity_id": activity_id})
        assignment, task = _scoped(session, actor, activity.assignment_id)
        if activity.starts_at > now:
            raise ValidationError("活动尚未开始，不能上传现场照片", details={"field": "photos"})
        rows = add_files(uow, session, task.id, "attendance", photos, now, assignment_id=assignment.id,
                         activity_id=activity.id, images_only=True)
        _street_step(session, actor, assignment, task, LinkageAction.add_files, now,
                     note=f"{activity.title}：现场照片 {len(rows)} 张", data={"activity_id": activity.id})
        return activity


def submit_results(uow: UnitOfWork, *, actor_id: int, assignment_id: int, report: str,
                   files: Sequence[Upload] = ()) -> LinkageAssignment:
    """The street submits its written report, attachments and suggestions (the hall's opinions are
    gathered in); after a return this is the resubmission. The district is pushed."""
    with uow.transaction() as session:
        now = uow.clock.now()
        actor = load_person(session, actor_id).as_actor()
        assignment, task = _scoped(session, actor, assignment_id)
        report = clean_text(report, field="成果报告", limit=MAX_REPORT)
        action = submit_action(assignment.state)
        _street_step(session, actor, assignment, task, action, now, note=report[:60])
        collected = _collect(session, assignment, actor_id, now)
        assignment.report, assignment.submitted_at = report, now
        if assignment.first_submitted_at is None:
            assignment.first_submitted_at = now
        add_files(uow, session, task.id, "report", files, now, assignment_id=assignment.id)
        street = session.get(Street, assignment.street_id)
        total = _count(session, assignment.id)
        push(session, people_of(session, Role.district_committee), kind=OutboxKind.linkage_submitted, now=now,
             subject_id=assignment.id, key=f"submit:{assignment.return_count}",
             payload={"task_id": task.id, "task_title": task.title, "street_name": street.name, "suggestions": total,
                      "collected": collected})
        session.flush()
        return assignment
