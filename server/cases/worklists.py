"""The console's work lists: a street office's triage queue, a unit's cases, the district's escalated and
overdue cases; one numbered page at a time, by time left, each answered from a partial index of open
cases (`ix_cases_open_*`) and filtered to the caller's scope in SQL.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select, text
from sqlalchemy.orm import Session

from server.cases.holders import holder_ids
from server.cases.models import OPEN_STATES_SQL, Case, CaseAssistingUnit, CaseEvent
from server.cases.queries import (
    _names,
    case_summary,
    get_case_detail,
    load_actor,
    overdue_clause,
    routing_options,
    scope_clause,
    visible_case,
)
from server.cases.rules import allowed_actions
from server.cases.states import HOLDER_LABELS, CaseState, Holder
from server.cases.teamwork import unit_head_id, unit_staff
from server.cases.tracking import find_tracking_number
from server.core.errors import ValidationError
from server.core.uow import UnitOfWork
from server.people.models import Person
from server.people.rules import Actor, Role
from server.places.models import Category, Community, HandlingUnit, Street

PER_PAGE = 20
MAX_PAGE = 500
# Written out (not bound), so the planner sees that a query's condition implies the partial index's.
OPEN = text("cases." + OPEN_STATES_SQL)


@dataclass(frozen=True)
class WorkFilter:
    state: str | None = None  # a CaseState value; None: every open case
    category_id: int | None = None
    community_id: int | None = None
    street_id: int | None = None
    overdue: bool = False
    text: str = ""
    mine: bool = False  # a unit's staff: only the cases given to me
    district_watch: bool = False  # the district: only escalated and overdue cases


@dataclass(frozen=True)
class WorkPage:
    items: list[dict[str, Any]]
    number: int
    pages: int
    total: int
    per_page: int = PER_PAGE
    extra: dict[str, Any] = field(default_factory=dict)


def _text_clause(query: str) -> ColumnElement[bool]:
    number = find_tracking_number(query)
    if number:
        return Case.tracking_number == number
    escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return Case.description.like(f"%{escaped}%", escape="\\")


def _filtered(actor: Actor, filters: WorkFilter, now) -> Select:
    query = select(Case).where(scope_clause(actor))
    if filters.state:
        try:
            query = query.where(Case.state == CaseState(filters.state))
        except ValueError as exc:
            raise ValidationError("状态不存在", details={"field": "state"}) from exc
    else:
        query = query.where(OPEN)
    if filters.category_id:
        query = query.where(Case.category_id == filters.category_id)
    if filters.community_id:
        query = query.where(Case.community_id == filters.community_id)
    if filters.street_id:
        query = query.where(Case.street_id == filters.street_id)
    if filters.overdue:
        query = query.where(overdue_clause(now))
    if filters.mine:
        query = query.where(Case.assignee_id == actor.person_id)
    if filters.district_watch:
        query = query.where(or_(Case.state == CaseState.escalated, Case.holder == Holder.district_committee,
                                Case.overdue.is_(True), Case.deadline_at < now))
    if filters.text.strip():
        query = query.where(_text_clause(filters.text.strip()))
    return query


def work_list(uow: UnitOfWork, *, actor_id: int, filters: WorkFilter = WorkFilter(), page: int = 1,
              per_page: int = PER_PAGE) -> WorkPage:
    """One numbered page of the caller's cases, the least time left first, with the count of all of them."""
    with uow.transaction() as session:
        now = uow.clock.now()
        actor = load_actor(session, actor_id)
        query = _filtered(actor, filters, now)
        number = min(max(1, page), MAX_PAGE)
        rows, total = _page_with_names(session, query, number, per_page)
        if not rows and total == 0 and number > 1:
            # Past the last page (a stale link): the count alone, then the last page.
            total = session.scalar(select(func.count()).select_from(query.with_only_columns(Case.id).subquery()))
            number = max(1, math.ceil(total / per_page))
            rows, total = _page_with_names(session, query, number, per_page)
        pages = max(1, math.ceil(total / per_page))
        cases = [row[0] for row in rows]
        names = {"people": {}, "categories": {}, "streets": {}, "communities": {}, "units": {}}
        for _case, _total, category, street, community, unit, reporter in rows:
            for key, item in (("categories", category), ("streets", street), ("communities", community),
                              ("units", unit), ("people", reporter)):
                if item is not None:
                    names[key][item.id] = item
        assisted = _assisting_of(session, actor, cases)
        items = []
        for case in cases:
            item = case_summary(actor, case, names, now)
            item["holder_label"] = HOLDER_LABELS[case.holder]
            item["assisting"] = case.id in assisted
            items.append(item)
        return WorkPage(items, number, pages, total, per_page)


def _page_with_names(session: Session, query: Select, number: int, per_page: int) -> tuple[list, int]:
    """One page of cases with the count of all and the names they refer to, in one statement."""
    # The page's ids and the count from the index alone, then the names for those rows only.
    # (A scalar count beside the page, not count(*) OVER (): the window would buffer every row first.)
    total = query.with_only_columns(func.count()).scalar_subquery()
    page = (query.with_only_columns(Case.id, total.label("total"))
            .order_by(Case.deadline_at, Case.id).offset((number - 1) * per_page).limit(per_page).subquery())
    paged = (select(Case, page.c.total, Category, Street, Community, HandlingUnit, Person)
             .join(page, page.c.id == Case.id)
             .outerjoin(Category, Category.id == Case.category_id).join(Street, Street.id == Case.street_id)
             .outerjoin(Community, Community.id == Case.community_id)
             .outerjoin(HandlingUnit, HandlingUnit.id == Case.handling_unit_id)
             .outerjoin(Person, Person.id == Case.reporter_id)
             .order_by(Case.deadline_at, Case.id))
    rows = session.execute(paged).all()
    return rows, (rows[0][1] if rows else 0)


def _assisting_of(session: Session, actor: Actor, rows: list[Case]) -> set[int]:
    """Which of these cases the caller's unit only assists with (协办)."""
    if actor.role != Role.handling_unit or not rows:
        return set()
    return set(session.scalars(select(CaseAssistingUnit.case_id).where(
        CaseAssistingUnit.unit_id == actor.unit_id, CaseAssistingUnit.case_id.in_([c.id for c in rows]))))


def merge_targets(uow: UnitOfWork, *, actor_id: int, case_id: int, query: str, limit: int = 8) -> list[dict]:
    """Open cases of the same street a case may be merged into, by number or words (the merge search box)."""
    with uow.transaction() as session:
        now = uow.clock.now()
        actor = load_actor(session, actor_id)
        case = visible_case(session, actor, case_id)
        if not query.strip():
            return []
        rows = list(session.scalars(
            select(Case).where(scope_clause(actor), OPEN, Case.street_id == case.street_id, Case.id != case.id,
                               _text_clause(query.strip()))
            .order_by(Case.submitted_at.desc(), Case.id.desc()).limit(limit)))
        names = _names(session, rows)
        return [case_summary(actor, row, names, now) for row in rows]


def case_teamwork(uow: UnitOfWork, *, actor_id: int, case_id: int) -> dict[str, Any]:
    """Who works on a case besides the lead unit: assisting units, the assignee, the people holding it now,
    and (for the lead unit's head) whom the case may be given to."""
    with uow.transaction() as session:
        actor = load_actor(session, actor_id)
        case = visible_case(session, actor, case_id)
        assisting = [{"id": link.unit_id} for link in case.assisting]
        units = {u.id: u.name for u in session.scalars(select(HandlingUnit).where(
            HandlingUnit.id.in_([a["id"] for a in assisting])))} if assisting else {}
        lead = session.get(HandlingUnit, case.handling_unit_id) if case.handling_unit_id else None
        assignee = session.get(Person, case.assignee_id) if case.assignee_id else None
        is_head = (actor.role == Role.handling_unit and actor.unit_id == case.handling_unit_id
                   and unit_head_id(session, actor.unit_id) == actor.person_id)
        staff = [{"id": p.id, "name": p.name} for p in unit_staff(session, actor.unit_id)] if is_head else []
        holders = [p.name for p in session.scalars(select(Person).where(Person.id.in_(holder_ids(session, case))))] \
            if case.holder not in (Holder.reporter, Holder.nobody) else []
        return {
            "assisting": [{"id": a["id"], "name": units.get(a["id"], "")} for a in assisting],
            "assignee": {"id": assignee.id, "name": assignee.name} if assignee else None,
            "holder_label": HOLDER_LABELS[case.holder], "holder_names": holders,
            "is_lead_unit": actor.role == Role.handling_unit and actor.unit_id == case.handling_unit_id,
            "is_unit_head": is_head, "unit_staff": staff,
            "unit": lead.name if lead else None,
            "merged_into": _tracking_of(session, case.merged_into_id),
            # What each step was about (the unit, the category, ...), by its sequence: the timeline's details.
            "event_data": dict(session.execute(select(CaseEvent.sequence, CaseEvent.data)
                                               .where(CaseEvent.case_id == case.id)).all()),
            "allowed": {action.value for action in allowed_actions(actor, case.scope)},
        }


def case_page(uow: UnitOfWork, *, actor_id: int, case_id: int) -> dict[str, Any]:
    """Everything a case's console page shows, read in one transaction (one snapshot; the rows read
    once stay in the session for the next part): the case and its timeline, who works on it, and the
    units it may be routed to. (Possible duplicates come after the page: `similar_cases`.)"""
    with uow.transaction():
        detail = get_case_detail(uow, actor_id=actor_id, case_id=case_id)
        team = case_teamwork(uow, actor_id=actor_id, case_id=case_id)
        routing = routing_options(uow, actor_id=actor_id, case_id=case_id) if "route" in team["allowed"] else []
        return {"case": detail, "team": team, "routing": routing}


def _tracking_of(session: Session, case_id: int | None) -> dict[str, Any] | None:
    if case_id is None:
        return None
    number = session.scalar(select(Case.tracking_number).where(Case.id == case_id))
    return {"id": case_id, "tracking_number": number}

