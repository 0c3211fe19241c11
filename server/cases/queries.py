"""Reading cases: every query is filtered to the caller's scope in SQL, and privacy is applied here.

The scope mirrors `case_rules.in_scope` (a test checks they agree). Handling units do not see who
reported a case unless the resident agreed to be contacted; deputies and the street office do.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, or_, select, true
from sqlalchemy.orm import Session

from server.cases import duplicates
from server.cases.models import Case, CaseAssistingUnit, CaseAttachment, CaseEvent
from server.cases.rules import ACTION_LABELS, INTERNAL_ACTIONS
from server.cases.service import load_actor
from server.cases.states import OPEN_STATES, STATE_LABELS, CaseAction, CaseState, Holder, Satisfaction
from server.core.errors import NotFoundError
from server.core.masking import mask_personal
from server.core.uow import UnitOfWork
from server.files.models import Attachment, AttachmentUpload
from server.people.models import Person
from server.people.rules import RESIDENT_ROLES, Actor, Role
from server.places.models import Category, Community, HandlingUnit, RoutingRule, Street

HOLDER_OF_ROLE = {
    Role.deputy: Holder.deputies, Role.street_office: Holder.street_office,
    Role.handling_unit: Holder.handling_unit, Role.district_committee: Holder.district_committee,
    Role.resident: Holder.reporter, Role.council_member: Holder.reporter,
}
ORDERS = ("submitted", "deadline")


@dataclass(frozen=True)
class CaseFilter:
    state: CaseState | None = None
    overdue: bool | None = None
    category_id: int | None = None
    awaiting_me: bool = False  # only cases whose holder is the caller's role (an inbox / queue)


@dataclass(frozen=True)
class CaseListPage:
    items: list[dict[str, Any]]
    next_after: tuple[str, int] | None


def scope_clause(actor: Actor) -> ColumnElement[bool]:
    """SQL twin of case_rules.in_scope."""
    own = Case.reporter_id == actor.person_id if actor.person_id is not None else false()
    if actor.role in (Role.system, Role.district_committee):
        return true()
    if actor.role == Role.street_office:
        return Case.street_id == actor.street_id if actor.street_id is not None else false()
    if actor.role == Role.deputy:
        if actor.street_id is None:
            return own
        area = true() if actor.community_id is None else Case.community_id == actor.community_id
        return or_(and_(Case.street_id == actor.street_id, area), and_(Case.street_id != actor.street_id, own))
    if actor.role == Role.handling_unit:
        if actor.unit_id is None:
            return false()
        assisting = select(CaseAssistingUnit.case_id).where(CaseAssistingUnit.unit_id == actor.unit_id)
        return or_(Case.handling_unit_id == actor.unit_id, Case.id.in_(assisting))
    return own


def overdue_clause(now: datetime) -> ColumnElement[bool]:
    return or_(Case.overdue.is_(True), and_(Case.state.in_(list(OPEN_STATES)), Case.deadline_at < now))


def sees_reporter(actor: Actor, case: Case) -> bool:
    """Deputies, offices, the district and the reporter see who reported; units only with consent."""
    if actor.person_id is not None and actor.person_id == case.reporter_id:
        return True
    if actor.role == Role.handling_unit:
        return bool(case.contact_consent)
    return actor.role in (Role.deputy, Role.street_office, Role.district_committee, Role.system)


def shown_text(text: str, shows_reporter: bool) -> str:
    """What the reporter wrote, as a caller sees it: a unit without the reporter's consent reads
    phone, ID-card and plate numbers masked, as the public does."""
    return text if shows_reporter else mask_personal(text)


def visible_case(session: Session, actor: Actor, case_id: int) -> Case:
    """The case if the actor's scope reaches it; otherwise NotFound (its existence is not revealed)."""
    case = session.scalar(select(Case).where(Case.id == case_id, scope_clause(actor)))
    if case is None:
        raise NotFoundError("找不到该反映")
    return case


def list_cases(uow: UnitOfWork, *, actor_id: int, filters: CaseFilter = CaseFilter(), order: str = "submitted",
               after: tuple[str, int] | None = None, limit: int = 20) -> CaseListPage:
    """One page of the cases the caller may see, newest first or by deadline; keyset-paginated."""
    with uow.transaction() as session:
        now = uow.clock.now()
        actor = load_actor(session, actor_id)
        query = select(Case).where(scope_clause(actor))
        if filters.state is not None:
            query = query.where(Case.state == filters.state)
        if filters.overdue is not None:
            clause = overdue_clause(now)
            query = query.where(clause if filters.overdue else ~clause)
        if filters.category_id is not None:
            query = query.where(Case.category_id == filters.category_id)
        if filters.awaiting_me:
            holder = HOLDER_OF_ROLE.get(actor.role)
            query = query.where(Case.holder == holder) if holder else query.where(false())
        key = Case.submitted_at if order == "submitted" else Case.deadline_at
        if after is not None:
            moment = datetime.fromisoformat(after[0])
            if order == "submitted":
                query = query.where(or_(key < moment, and_(key == moment, Case.id < after[1])))
            else:
                query = query.where(or_(key > moment, and_(key == moment, Case.id > after[1])))
        query = query.order_by(key.desc(), Case.id.desc()) if order == "submitted" else query.order_by(key, Case.id)
        rows = list(session.scalars(query.limit(limit + 1)))
        more = len(rows) > limit
        rows = rows[:limit]
        names = _names(session, rows)
        items = [case_summary(actor, case, names, now) for case in rows]
        next_after = None
        if more:
            last = rows[-1]
            next_after = ((last.submitted_at if order == "submitted" else last.deadline_at).isoformat(), last.id)
        return CaseListPage(items, next_after)


def get_case_detail(uow: UnitOfWork, *, actor_id: int, case_id: int) -> dict[str, Any]:
    """One case with its timeline and photos, as the caller may see it."""
    with uow.transaction() as session:
        now = uow.clock.now()
        actor = load_actor(session, actor_id)
        case = visible_case(session, actor, case_id)
        names = _names(session, [case])
        detail = case_summary(actor, case, names, now)
        events = list(session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)
                                      .order_by(CaseEvent.sequence)))
        if actor.role in RESIDENT_ROLES or actor.person_id == case.reporter_id:
            events = [e for e in events if e.action not in INTERNAL_ACTIONS]  # staff-only steps
        photos = session.execute(select(CaseAttachment, Attachment).join(Attachment)
                                 .where(CaseAttachment.case_id == case.id).order_by(CaseAttachment.id)).all()
        actors = {p.id: p for p in session.scalars(select(Person).where(
            Person.id.in_({e.actor_id for e in events if e.actor_id is not None})))}
        by_event: dict[int | None, list[dict[str, Any]]] = {}
        for link, attachment in photos:
            by_event.setdefault(link.event_id, []).append(_attachment(attachment, link.kind))
        show_reporter = sees_reporter(actor, case)
        detail["attachments"] = [_attachment(a, link.kind) for link, a in photos]
        detail["timeline"] = [_event(e, actors.get(e.actor_id), show_reporter, by_event.get(e.id, []))
                              for e in events]
        return detail


def visible_attachment(uow: UnitOfWork, *, actor_id: int, attachment_id: int) -> Attachment:
    """An attachment the caller uploaded, or one on a case the caller may see."""
    with uow.transaction() as session:
        actor = load_actor(session, actor_id)
        uploaded = select(AttachmentUpload.id).where(AttachmentUpload.attachment_id == attachment_id,
                                                     AttachmentUpload.person_id == actor_id)
        on_visible_case = (select(CaseAttachment.id).join(Case, Case.id == CaseAttachment.case_id)
                           .where(CaseAttachment.attachment_id == attachment_id, scope_clause(actor)))
        attachment = session.get(Attachment, attachment_id)
        if attachment is None or not (session.scalar(uploaded.limit(1)) or session.scalar(on_visible_case.limit(1))):
            raise NotFoundError("找不到该图片")
        return attachment


def routing_options(uow: UnitOfWork, *, actor_id: int, case_id: int) -> list[dict[str, Any]]:
    """Units the caller may route this case to, the routing rule's suggestion first."""
    with uow.transaction() as session:
        actor = load_actor(session, actor_id)
        case = visible_case(session, actor, case_id)
        units = select(HandlingUnit)
        if actor.role != Role.district_committee:
            units = units.where(or_(HandlingUnit.street_id == case.street_id, HandlingUnit.street_id.is_(None)))
        suggested = suggested_unit_id(session, case)
        options = [{"id": u.id, "name": u.name, "platform": u.platform.value, "street_id": u.street_id,
                    "suggested": u.id == suggested} for u in session.scalars(units.order_by(HandlingUnit.id))]
        return sorted(options, key=lambda option: not option["suggested"])


def suggested_unit_id(session: Session, case: Case) -> int | None:
    """The routing rule for the case's category in its street, else the district-wide rule."""
    if case.category_id is None:
        return None
    rules = session.scalars(select(RoutingRule).where(
        RoutingRule.category_id == case.category_id,
        or_(RoutingRule.street_id == case.street_id, RoutingRule.street_id.is_(None))))
    ranked = sorted(rules, key=lambda rule: rule.street_id is None)
    return ranked[0].handling_unit_id if ranked else None


def case_summary(actor: Actor, case: Case, names: dict[str, dict[int, Any]], now: datetime) -> dict[str, Any]:
    open_ = case.state in OPEN_STATES
    shows_reporter = sees_reporter(actor, case)
    reporter = names["people"].get(case.reporter_id) if shows_reporter else None
    return {
        "id": case.id, "tracking_number": case.tracking_number, "state": case.state.value,
        "state_label": STATE_LABELS[case.state], "holder": case.holder.value,
        "description": shown_text(case.description, shows_reporter),
        "category": _ref(names["categories"].get(case.category_id)), "street": _ref(names["streets"][case.street_id]),
        "community": _ref(names["communities"].get(case.community_id)),
        "handling_unit": _ref(names["units"].get(case.handling_unit_id)),
        "location": ({"label": case.location_label, "latitude": case.latitude, "longitude": case.longitude}
                     if case.location_label or case.latitude is not None else None),
        "submitted_at": case.submitted_at, "deadline_at": case.deadline_at, "accepted_at": case.accepted_at,
        "routed_at": case.routed_at, "resolved_at": case.resolved_at, "closed_at": case.closed_at,
        "escalated_at": case.escalated_at,
        "overdue": bool(case.overdue or (open_ and case.deadline_at < now)),
        "feedback": case.feedback, "satisfaction": case.satisfaction.value if case.satisfaction else None,
        "reopen_count": case.reopen_count, "contact_consent": bool(case.contact_consent),
        "reporter": ({"id": reporter.id, "name": reporter.name, "phone": reporter.phone} if reporter else None),
    }


def _ref(row: Any) -> dict[str, Any] | None:
    return {"id": row.id, "name": row.name} if row is not None else None


def _names(session: Session, cases: list[Case]) -> dict[str, dict[int, Any]]:
    """Look up the names a page of cases refers to in one query per table."""
    def load(model, ids):
        ids = {i for i in ids if i is not None}
        return {row.id: row for row in session.scalars(select(model).where(model.id.in_(ids)))} if ids else {}

    return {
        "people": load(Person, (c.reporter_id for c in cases)),
        "categories": load(Category, (c.category_id for c in cases)),
        "streets": load(Street, (c.street_id for c in cases)),
        "communities": load(Community, (c.community_id for c in cases)),
        "units": load(HandlingUnit, (c.handling_unit_id for c in cases)),
    }


def _attachment(attachment: Attachment, kind: str) -> dict[str, Any]:
    return {"id": attachment.id, "kind": kind, "content_type": attachment.content_type,
            "width": attachment.width, "height": attachment.height}


def _event(event: CaseEvent, person: Person | None, show_reporter: bool,
           attachments: list[dict[str, Any]]) -> dict[str, Any]:
    # A resident's name on the timeline is as private as the reporter field itself.
    named = person is not None and (person.role not in RESIDENT_ROLES or show_reporter)
    return {
        "sequence": event.sequence, "action": event.action.value, "action_label": ACTION_LABELS[event.action],
        "from_state": event.from_state.value if event.from_state else None, "to_state": event.to_state.value,
        "actor_role": event.actor_role.value, "actor_name": person.name if named else None,
        "note": shown_text(event.note, show_reporter) if event.note is not None else None,
        "created_at": event.created_at, "attachments": attachments,
    }


def check_case_visible(uow: UnitOfWork, *, actor_id: int, case_id: int) -> None:
    """Raise NotFound unless the caller's scope reaches the case (before acting on it)."""
    with uow.transaction() as session:
        visible_case(session, load_actor(session, actor_id), case_id)


def duty_record(uow: UnitOfWork, *, actor_id: int) -> dict[str, int]:
    """A deputy's record (履职记录): what they accepted and forwarded, how it ended, their area's load.

    One statement: the deputy's own figures are one pass over their cases (an index-only scan of
    `ix_cases_accepted_by_id` on PostgreSQL), the area's load one pass over its open cases, and the
    forwards one count of their events.
    """
    with uow.transaction() as session:
        now = uow.clock.now()
        actor = load_actor(session, actor_id)
        open_states = list(OPEN_STATES)
        mine = (select(
            func.count().label("accepted"),
            func.count().filter(Case.resolved_at.is_not(None)).label("resolved"),
            func.count().filter(Case.state == CaseState.closed).label("closed"),
            func.count().filter(Case.satisfaction.in_([Satisfaction.satisfied, Satisfaction.basically_satisfied]))
            .label("satisfied"),
            func.count().filter(Case.satisfaction == Satisfaction.dissatisfied).label("dissatisfied"),
        ).select_from(Case).where(Case.accepted_by_id == actor_id).subquery("mine"))
        area = (select(
            func.count().label("open_in_area"),
            func.count().filter(overdue_clause(now)).label("overdue_in_area"),
        ).select_from(Case).where(scope_clause(actor), Case.state.in_(open_states)).subquery("area"))
        forwarded = (select(func.count()).select_from(CaseEvent)
                     .where(CaseEvent.actor_id == actor_id, CaseEvent.action == CaseAction.forward)
                     .scalar_subquery().label("forwarded"))
        # Two one-row aggregates side by side: an explicit join on true, not an accidental cartesian product.
        row = session.execute(select(mine, area, forwarded).select_from(mine.join(area, true()))).one()._mapping
        keys = ("accepted", "forwarded", "resolved", "closed", "satisfied", "dissatisfied", "open_in_area",
                "overdue_in_area")
        return {key: int(row[key] or 0) for key in keys}


def similar_cases(uow: UnitOfWork, *, actor_id: int, case_id: int, limit: int = 5) -> list[dict[str, Any]]:
    """Other reports of the same street within a week that may be the same problem: merge candidates
    for the street office (same category nearby, or a similar text)."""
    with uow.transaction() as session:
        actor = load_actor(session, actor_id)
        case = visible_case(session, actor, case_id)
        window = duplicates.OTHERS_WINDOW
        others = list(session.scalars(select(Case).where(
            Case.street_id == case.street_id, Case.id != case.id,
            Case.state.not_in([CaseState.merged, CaseState.rejected]),
            Case.submitted_at >= case.submitted_at - window, Case.submitted_at <= case.submitted_at + window)
            .order_by(Case.submitted_at.desc()).limit(200)))
        found = []
        for other in others:
            metres = None
            if None not in (case.latitude, case.longitude, other.latitude, other.longitude):
                metres = duplicates.distance_metres((case.latitude, case.longitude), (other.latitude, other.longitude))
            reason = duplicates.merge_candidate(case.description, other.description,
                                                same_category=case.category_id == other.category_id
                                                and case.category_id is not None, metres=metres)
            if reason:
                found.append((other, reason, metres))
        found = found[:limit]
        names = _names(session, [other for other, _, _ in found])
        now = uow.clock.now()
        return [{**case_summary(actor, other, names, now), "reason": reason,
                 "distance_metres": round(metres) if metres is not None else None} for other, reason, metres in found]
