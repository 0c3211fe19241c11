"""The case engine: every transition of the core loop, checked, recorded as an event, pushed via outbox."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Insert, Table, func, insert, select
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from server.cases import rules as case_rules
from server.cases.deadlines import deadline_for
from server.cases.holders import notify_holders, push_about, tell_reporter
from server.cases.models import Case, CaseAssistingUnit, CaseAttachment, CaseEvent, TrackingCounter
from server.cases.public import public_link
from server.cases.states import FINAL_STATES, CaseAction, CaseState, Holder, Satisfaction, Source
from server.cases.tracking import format_tracking_number, local_day
from server.core.clock import LOCAL_ZONE
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
from server.files.models import Attachment
from server.people.models import Person
from server.people.rules import Actor, Role
from server.places.models import Category, HandlingUnit
from server.places.service import resolve_place
from server.pushes import notifications
from server.pushes.states import OutboxKind

MAX_DESCRIPTION = 2000
MAX_NOTE = 1000


@dataclass(frozen=True)
class Location:
    label: str | None = None
    latitude: float | None = None
    longitude: float | None = None


def load_actor(session: Session, actor_id: int | None) -> Actor:
    if actor_id is None:
        return Actor.system()
    person = session.get(Person, actor_id)
    if person is None or not person.is_active:
        raise NotFoundError("账号不存在或已停用")
    return person.as_actor()


def _event_fields(case: Case, action: CaseAction, actor: Actor, now: datetime, from_state: CaseState | None,
                  note: str | None, data: dict[str, Any] | None) -> dict[str, Any]:
    return dict(action=action, from_state=from_state, to_state=case.state, actor_id=actor.person_id,
                actor_role=actor.role, note=note, data=data or {}, created_at=now)


def record_event(session: Session, case: Case, action: CaseAction, actor: Actor, now: datetime, *,
                 from_state: CaseState | None, note: str | None = None,
                 data: dict[str, Any] | None = None) -> CaseEvent:
    """The next step of the case's timeline (its audit log); the halls keep theirs the same way."""
    last = session.scalar(select(func.max(CaseEvent.sequence)).where(CaseEvent.case_id == case.id)) or 0
    event = CaseEvent(case_id=case.id, sequence=last + 1,
                      **_event_fields(case, action, actor, now, from_state, note, data))
    session.add(event)
    return event


@cache
def _insert_returning_id(table: Table) -> Insert:
    return insert(table).returning(table.c.id)


def _insert_new_case(session: Session, fields: dict[str, Any], reporter: Actor, now: datetime) -> tuple[Case, int]:
    """Write a new case and its first event with two plain INSERTs, and put the case into the session as
    if loaded: the ORM's unit-of-work flush cost more than the rest of a chat report together. Returns
    (case, id of the submit event)."""
    table = Case.__table__
    row = {column.key: None for column in table.columns if column.key != "id"} | fields | {"version": 1}
    case_id = session.execute(_insert_returning_id(table), row).scalar_one()
    case = Case(id=case_id, **row)
    make_transient_to_detached(case)  # every column is set, so nothing is expired or loaded again
    set_committed_value(case, "assisting", [])  # a new case has no assisting units: no query to find out
    session.add(case)
    event_row = {"case_id": case_id, "sequence": 1,
                 **_event_fields(case, CaseAction.submit, reporter, now, None, None, None)}
    event_id = session.execute(_insert_returning_id(CaseEvent.__table__), event_row).scalar_one()
    return case, event_id


def _flush(session: Session) -> None:
    try:
        session.flush()
    except StaleDataError as exc:
        raise ConflictError("该反映刚被他人处理，请刷新后再试") from exc


def _check_attachments(session: Session, attachment_ids: Sequence[int]) -> None:
    if len(attachment_ids) > 9:
        raise ValidationError("最多上传 9 张图片")
    for attachment_id in dict.fromkeys(attachment_ids):
        if session.get(Attachment, attachment_id) is None:
            raise ValidationError("图片不存在，请重新上传", details={"attachment_id": attachment_id})


def _attach(session: Session, case: Case, event_id: int, attachment_ids: Sequence[int], kind: str,
            now: datetime) -> None:
    """Link checked (`_check_attachments`, before any write) attachments to the case and its event;
    a photo already on the case as this kind is not linked twice."""
    present = set(session.scalars(select(CaseAttachment.attachment_id).where(
        CaseAttachment.case_id == case.id, CaseAttachment.kind == kind))) if attachment_ids else set()
    for attachment_id in dict.fromkeys(i for i in attachment_ids if i not in present):
        session.add(CaseAttachment(case_id=case.id, attachment_id=attachment_id, event_id=event_id, kind=kind,
                                   created_at=now))


def _transition(uow: UnitOfWork, action: CaseAction, *, actor_id: int | None, case_id: int,
                note: str | None = None, data: dict[str, Any] | None = None,
                **changes: Any) -> tuple[Case, CaseEvent]:
    """Check the rule, apply it and `changes`, record the event; the caller's transaction commits."""
    session = uow.session
    now = uow.clock.now()
    actor = load_actor(session, actor_id)
    case = lock_row(session, Case, case_id, missing="找不到该反映")
    rule = case_rules.check(action, actor, case.scope)
    from_state, from_holder = case.state, case.holder
    if rule.to_state is not None:
        case.state = rule.to_state
    if rule.holder is not None:
        case.holder = rule.holder
    for name, value in changes.items():
        setattr(case, name, value)
    if case.state != from_state or case.holder != from_holder:
        # What falls due next (reminder, deadline, auto-close) depends on state and holder: the
        # deadline sweep re-plans this case at its next run (a finished case has nothing left).
        case.next_check_at = None if case.state in FINAL_STATES else now
    event = record_event(session, case, action, actor, now, from_state=from_state, note=note, data=data)
    _flush(session)
    return case, event


@cache
def _bump_counter_statement(dialect: str) -> Insert:
    # Built once; the day goes in as a parameter.
    insert = insert_for(dialect)
    table = TrackingCounter.__table__
    return (insert(table)
            .on_conflict_do_update(index_elements=[table.c.day], set_={"last_value": table.c.last_value + 1})
            .returning(table.c.last_value))


def next_tracking_number(session: Session, now: datetime) -> str:
    """Atomically bump the day's counter (an upsert), so concurrent submissions never share a number."""
    day = local_day(now)
    statement = _bump_counter_statement(session.get_bind().dialect.name)
    return format_tracking_number(day, session.execute(statement, {"day": day, "last_value": 1}).scalar_one())


_CATEGORY_KEYWORDS = select(Category.id, Category.keywords).order_by(Category.id)


def suggest_category(session: Session, text: str) -> int | None:
    """The id of the category whose keywords occur most often in the text, ignoring case (ties: the first
    defined); when none occurs, the first category without keywords (the catch-all the office re-sorts)."""
    best, best_hits, fallback = None, 0, None
    lowered = text.lower()
    for category_id, keywords in session.execute(_CATEGORY_KEYWORDS):
        words = _keyword_list(keywords)
        if not words and fallback is None:
            fallback = category_id
        hits = sum(lowered.count(word) for word in words)
        if hits > best_hits:
            best, best_hits = category_id, hits
    return best if best is not None else fallback


@cache
def _keyword_list(keywords: str) -> tuple[str, ...]:
    return tuple(word.strip().lower() for word in (keywords or "").split(",") if word.strip())


def submit_case(uow: UnitOfWork, *, reporter_id: int, description: str, street_id: int | None = None,
                community_id: int | None = None, category_id: int | None = None,
                location: Location | None = None, attachment_ids: Sequence[int] = (),
                contact_consent: bool = False, source: Source | str = Source.miniapp,
                receiver_id: int | None = None) -> Case:
    """A resident reports a problem: the 72-hour window starts now and the area's deputies are told.

    With `receiver_id`, a deputy who heard the problem in person (a reception day) receives it at once:
    the case is accepted by them in the same transaction and nobody is asked to accept it."""
    with uow.transaction() as session:
        now = uow.clock.now()
        text = clean_text(description, field="问题描述", limit=MAX_DESCRIPTION)
        reporter = session.get(Person, reporter_id)
        if reporter is None or not reporter.is_active:
            raise NotFoundError("账号不存在或已停用")
        street_id, community_id = resolve_place(session, street_id=street_id, community_id=community_id,
                                                person=reporter, missing_street="请先选择所在街道")
        if community_id is None and reporter.street_id == street_id:
            community_id = reporter.community_id
        if category_id is not None and session.get(Category, category_id) is None:
            raise ValidationError("分类不存在", details={"field": "category_id"})
        if category_id is None:
            category_id = suggest_category(session, text)
        # Every check before the first write (here, for the new case: it enters the session as already
        # loaded, so a rolled-back savepoint after its INSERT would leave a case that does not exist).
        _check_attachments(session, attachment_ids)
        location = location or Location()
        case, event_id = _insert_new_case(session, dict(
            tracking_number=next_tracking_number(session, now), state=CaseState.submitted,
            holder=Holder.deputies, description=text, reporter_id=reporter.id, contact_consent=contact_consent,
            street_id=street_id, community_id=community_id, category_id=category_id, source=Source(source),
            location_label=location.label, latitude=location.latitude, longitude=location.longitude,
            submitted_at=now, deadline_at=deadline_for(now), reopen_count=0, overdue=False, next_check_at=now,
        ), reporter.as_actor(), now)
        if attachment_ids:
            _attach(session, case, event_id, attachment_ids, "report", now)
        if receiver_id is not None:
            return accept_case(uow, actor_id=receiver_id, case_id=case.id)
        notify_holders(session, case, kind=OutboxKind.case_submitted, now=now,
                                     payload={"description": text[:60]}, dedupe_suffix="new")
        return case


def accept_case(uow: UnitOfWork, *, actor_id: int, case_id: int, note: str | None = None) -> Case:
    """A deputy of the case's area takes it (接收); it passes to the street office's queue."""
    with uow.transaction():
        note = clean_text(note, field="备注", limit=MAX_NOTE, required=False)
        case, _ = _transition(uow, CaseAction.accept, actor_id=actor_id, case_id=case_id, note=note,
                           accepted_at=uow.clock.now(), accepted_by_id=actor_id)
        notify_holders(uow.session, case, kind=OutboxKind.case_accepted, now=uow.clock.now())
        deputy = uow.session.get(Person, actor_id)
        tell_reporter(uow.session, case, kind=OutboxKind.report_accepted, now=uow.clock.now(),
                      payload={"deputy_name": deputy.name if deputy else ""})
        return case


def forward_case(uow: UnitOfWork, *, actor_id: int, case_id: int, note: str) -> Case:
    """The accepting deputy hands the street office a note about the case."""
    with uow.transaction():
        note = clean_text(note, field="转交说明", limit=MAX_NOTE)
        case, _ = _transition(uow, CaseAction.forward, actor_id=actor_id, case_id=case_id, note=note,
                           forwarded_at=uow.clock.now())
        return case


def auto_forward_case(uow: UnitOfWork, *, case_id: int) -> Case:
    """Nobody accepted within 12 hours: the case joins the street office's queue by itself."""
    with uow.transaction():
        case, _ = _transition(uow, CaseAction.auto_forward, actor_id=None, case_id=case_id,
                           forwarded_at=uow.clock.now())
        notify_holders(uow.session, case, kind=OutboxKind.case_auto_forwarded, now=uow.clock.now(),
                                     dedupe_suffix="auto_forward")
        return case


def route_case(uow: UnitOfWork, *, actor_id: int, case_id: int, unit_id: int, note: str | None = None,
               assisting_unit_ids: Sequence[int] = ()) -> Case:
    """The street office (or, after escalation, the district committee) sends the case to a unit; other
    units may assist (协办): they see the case and are told, the lead unit resolves it."""
    with uow.transaction() as session:
        note = clean_text(note, field="流转说明", limit=MAX_NOTE, required=False)
        actor = load_actor(session, actor_id)
        current = session.get(Case, case_id)
        assisting_ids = [i for i in dict.fromkeys(assisting_unit_ids) if i != unit_id]
        units = [_routable_unit(session, actor, current, i) for i in [unit_id, *assisting_ids]]
        unit, helpers = units[0], units[1:]
        now = uow.clock.now()
        data: dict[str, Any] = {"unit_id": unit.id, "unit_name": unit.name}
        if helpers:
            data["assisting"] = [{"unit_id": u.id, "unit_name": u.name} for u in helpers]
        case, _ = _transition(uow, CaseAction.route, actor_id=actor_id, case_id=case_id, note=note, data=data,
                              handling_unit_id=unit.id, routed_at=now, assignee_id=None)
        kept = {link.unit_id: link for link in case.assisting}
        case.assisting[:] = [kept.get(u.id) or CaseAssistingUnit(unit_id=u.id, created_at=now) for u in helpers]
        _flush(session)
        notify_holders(session, case, kind=OutboxKind.case_routed, now=now, payload={"unit_name": unit.name})
        for helper in helpers:
            staff = session.scalars(select(Person.id).where(Person.role == Role.handling_unit,
                                                            Person.handling_unit_id == helper.id,
                                                            Person.is_active.is_(True)).order_by(Person.id))
            push_about(session, case, list(staff), kind=OutboxKind.case_assisting, now=now,
                       payload={"tracking_number": case.tracking_number, "lead_name": unit.name},
                       dedupe=f"assist{unit.id}-{case.version}")
        deadline = case.deadline_at.astimezone(LOCAL_ZONE).strftime("%m月%d日%H:%M")
        tell_reporter(session, case, kind=OutboxKind.report_routed, now=now,
                      payload={"unit_name": unit.name, "deadline": deadline}, dedupe=f"routed{unit.id}")
        return case


def _routable_unit(session: Session, actor: Actor, case: Case | None, unit_id: int) -> HandlingUnit:
    unit = session.get(HandlingUnit, unit_id)
    if unit is None:
        raise ValidationError("承办单位不存在", details={"field": "unit_id"})
    if (case is not None and actor.role == Role.street_office and unit.street_id is not None
            and unit.street_id != case.street_id):
        raise ValidationError("只能流转给本街道或区级承办单位", details={"field": "unit_id"})
    return unit


def resolve_case(uow: UnitOfWork, *, actor_id: int, case_id: int, feedback: str,
                 attachment_ids: Sequence[int] = ()) -> Case:
    """The handling unit reports back (办结) with text and photos; the reporter is asked to rate."""
    with uow.transaction() as session:
        feedback = clean_text(feedback, field="办理结果", limit=MAX_DESCRIPTION)
        now = uow.clock.now()
        _check_attachments(session, attachment_ids)
        case, event = _transition(uow, CaseAction.resolve, actor_id=actor_id, case_id=case_id, note=feedback,
                                  feedback=feedback, resolved_at=now)
        _attach(session, case, event.id, attachment_ids, "feedback", now)
        link = public_link(uow.settings, case.id)
        notify_holders(session, case, kind=OutboxKind.case_resolved, now=now,
                                     payload={"feedback": feedback[:60], **({"link": link} if link else {})},
                                     dedupe_suffix=f"resolved{case.reopen_count}")
        return case


def rate_case(uow: UnitOfWork, *, actor_id: int, case_id: int, satisfaction: Satisfaction | str,
              comment: str | None = None) -> Case:
    """The reporter rates the result: 满意/基本满意 close the case, 不满意 sends it back to the unit."""
    with uow.transaction() as session:
        try:
            satisfaction = Satisfaction(satisfaction)
        except ValueError as exc:
            raise ValidationError("评价只能是满意、基本满意或不满意") from exc
        comment = clean_text(comment, field="评价内容", limit=MAX_NOTE, required=False)
        now = uow.clock.now()
        if satisfaction == Satisfaction.dissatisfied:
            case = session.get(Case, case_id)
            reopen_count = (case.reopen_count if case else 0) + 1
            case, _ = _transition(uow, CaseAction.reopen, actor_id=actor_id, case_id=case_id, note=comment,
                               data={"satisfaction": satisfaction.value}, satisfaction=satisfaction,
                               reopen_count=reopen_count, resolved_at=None)
            notify_holders(session, case, kind=OutboxKind.case_reopened, now=now)
            unit = session.get(HandlingUnit, case.handling_unit_id) if case.handling_unit_id else None
            tell_reporter(session, case, kind=OutboxKind.report_reopened, now=now,
                          payload={"unit_name": unit.name if unit else ""}, dedupe=f"reopened{reopen_count}")
            return case
        case, _ = _transition(uow, CaseAction.rate, actor_id=actor_id, case_id=case_id, note=comment,
                           data={"satisfaction": satisfaction.value}, satisfaction=satisfaction, closed_at=now)
        return case


def auto_close_case(uow: UnitOfWork, *, case_id: int) -> Case:
    """No rating 7 days after resolution: the case closes by itself."""
    with uow.transaction():
        case, _ = _transition(uow, CaseAction.auto_close, actor_id=None, case_id=case_id,
                           closed_at=uow.clock.now())
        return case


def reject_case(uow: UnitOfWork, *, actor_id: int, case_id: int, reason: str) -> Case:
    """不予受理: only with a reason, which the reporter is told."""
    with uow.transaction() as session:
        reason = clean_text(reason, field="不予受理理由", limit=MAX_NOTE)
        case, _ = _transition(uow, CaseAction.reject, actor_id=actor_id, case_id=case_id, note=reason,
                           closed_at=uow.clock.now())
        notifications.enqueue(session, kind=OutboxKind.case_rejected, recipient_id=case.reporter_id,
                              now=uow.clock.now(), case_id=case.id,
                              payload={"tracking_number": case.tracking_number, "reason": reason})
        return case


def merge_case(uow: UnitOfWork, *, actor_id: int, case_id: int, into_case_id: int,
               note: str | None = None) -> Case:
    """A duplicate joins another open case of the same street; the reporter is told which."""
    with uow.transaction() as session:
        if case_id == into_case_id:
            raise ValidationError("不能合并到自身")
        target = session.get(Case, into_case_id)
        current = session.get(Case, case_id)
        if target is None or current is None:
            raise NotFoundError("找不到该反映")
        if target.state in (CaseState.merged, CaseState.closed, CaseState.rejected):
            raise ValidationError("目标反映已结束，不能合并")
        if target.street_id != current.street_id:
            raise ValidationError("只能合并同一街道的反映")
        case, _ = _transition(uow, CaseAction.merge, actor_id=actor_id, case_id=case_id,
                           note=clean_text(note, field="合并说明", limit=MAX_NOTE, required=False),
                           data={"into": target.tracking_number}, merged_into_id=target.id,
                           closed_at=uow.clock.now())
        notifications.enqueue(session, kind=OutboxKind.case_merged, recipient_id=case.reporter_id,
                              now=uow.clock.now(), case_id=case.id,
                              payload={"tracking_number": case.tracking_number, "into": target.tracking_number})
        return case


def escalate_case(uow: UnitOfWork, *, actor_id: int | None, case_id: int, reason: str,
                  overdue: bool = False) -> Case:
    """提级办理: to the district committee, by the street office or by the 72-hour deadline."""
    with uow.transaction() as session:
        reason = clean_text(reason, field="提级理由", limit=MAX_NOTE)
        now = uow.clock.now()
        changes: dict[str, Any] = {"escalated_at": now}
        if overdue:
            changes["overdue"] = True
        case, _ = _transition(uow, CaseAction.escalate, actor_id=actor_id, case_id=case_id, note=reason,
                           data={"overdue": overdue}, **changes)
        notify_holders(session, case, kind=OutboxKind.case_escalated, now=now, payload={"reason": reason},
                                     dedupe_suffix="escalated")
        return case


def add_case_info(uow: UnitOfWork, *, actor_id: int, case_id: int, text: str | None = None,
                  attachment_ids: Sequence[int] = (), location: Location | None = None) -> Case:
    """The reporter adds words, photos or a place to an open case."""
    with uow.transaction() as session:
        text = clean_text(text, field="补充内容", limit=MAX_DESCRIPTION, required=False)
        if not text and not attachment_ids and location is None:
            raise ValidationError("请填写补充内容或上传图片")
        _check_attachments(session, attachment_ids)
        changes: dict[str, Any] = {}
        data: dict[str, Any] = {}
        if location is not None:
            changes.update(location_label=location.label, latitude=location.latitude,
                           longitude=location.longitude)
            data["location"] = {"label": location.label, "latitude": location.latitude,
                                "longitude": location.longitude}
        case, event = _transition(uow, CaseAction.add_info, actor_id=actor_id, case_id=case_id, note=text,
                                  data=data, **changes)
        _attach(session, case, event.id, attachment_ids, "report", uow.clock.now())
        return case


def recategorize_case(uow: UnitOfWork, *, actor_id: int, case_id: int, category_id: int) -> Case:
    """Staff correct the category the bot suggested."""
    with uow.transaction() as session:
        category = session.get(Category, category_id)
        if category is None:
            raise ValidationError("分类不存在", details={"field": "category_id"})
        case, _ = _transition(uow, CaseAction.recategorize, actor_id=actor_id, case_id=case_id,
                           data={"category": category.name}, category_id=category.id)
        return case


def record_reminder(uow: UnitOfWork, *, case_id: int, note: str, data: dict[str, Any],
                    overdue: bool = False) -> Case:
    """办理提醒 on the case's timeline, written by the deadline sweep; `overdue` also flags the case."""
    with uow.transaction():
        changes: dict[str, Any] = {"overdue": True} if overdue else {}
        case, _ = _transition(uow, CaseAction.remind, actor_id=None, case_id=case_id, note=note, data=data,
                              **changes)
        return case


def add_feedback_photos(uow: UnitOfWork, *, actor_id: int, case_id: int, attachment_ids: Sequence[int]) -> Case:
    """The unit that resolved a case adds photos of the result (sent by chat after 办结): they join the
    latest 办结 event, so they show with it on the timeline and on the case's public page. Only while
    the case stays resolved; a photo already on the result is not added twice."""
    with uow.transaction() as session:
        if not attachment_ids:
            raise ValidationError("请上传图片")
        actor = load_actor(session, actor_id)
        case = lock_row(session, Case, case_id, missing="找不到该反映")
        if actor.role != Role.handling_unit or actor.unit_id is None or actor.unit_id != case.handling_unit_id:
            raise PermissionDeniedError("只有承办单位可以补充办理结果的照片")
        if case.state != CaseState.resolved:
            raise InvalidTransitionError("该反映已不在“已办结”状态，不能再补充办理结果的照片",
                                         details={"state": case.state.value})
        event_id = session.scalar(select(CaseEvent.id).where(CaseEvent.case_id == case.id,
                                                             CaseEvent.action == CaseAction.resolve)
                                  .order_by(CaseEvent.sequence.desc()).limit(1))
        _check_attachments(session, attachment_ids)
        present = set(session.scalars(select(CaseAttachment.attachment_id).where(
            CaseAttachment.case_id == case.id, CaseAttachment.kind == "feedback",
            CaseAttachment.attachment_id.in_(list(attachment_ids)))))
        _attach(session, case, event_id, [i for i in attachment_ids if i not in present], "feedback",
                uow.clock.now())
        _flush(session)
        return case
