"""Daily roll-ups: the panoramic window reads these, never the cases themselves.

The `figures` job (every minute) first marks days dirty from what happened since its last run — each
new case event marks the day it happened and the day its case was submitted (a 不满意 today changes
the figures of the day the case came in) — then recomputes the dirty days, one transaction each.
Sources are read by id past a watermark and, again, over the last few minutes, so a transaction
that committed late with a smaller id is not missed; marking twice is harmless.
"""
from __future__ import annotations

import time as timer
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from server.cases.models import Case, CaseEvent
from server.cases.states import OPEN_STATES, CaseState, Satisfaction
from server.chat.models import InboundMessage
from server.core.clock import LOCAL_ZONE
from server.core.db import insert_for
from server.core.uow import UnitOfWork
from server.halls.models import Opinion, Support
from server.people.models import WechatIdentity
from server.places.models import Category, HandlingUnit
from server.statistics.models import ActivityDay, CaseDayFigures, CaseMonthFigures, DirtyDay, FigureWatermark
from server.statistics.rules import (
    MEASURES,
    RESOLUTION_HOURS,
    RESPONSE_HOURS,
    hours_bucket,
    month_start,
    next_month,
    platform_member,
)

RESCAN = timedelta(minutes=10)  # longer than any transaction that writes a source row
BATCH_DAYS = 62  # dirty days recomputed per job run at most
SOURCES = {"case_events": (CaseEvent, CaseEvent.created_at), "opinions": (Opinion, Opinion.created_at),
           "supports": (Support, Support.created_at), "inbound_messages": (InboundMessage, InboundMessage.received_at)}
CASE_COLUMNS = (Case.id, Case.state, Case.street_id, Case.community_id, Case.category_id, Case.handling_unit_id,
                Case.submitted_at, Case.accepted_at, Case.routed_at, Case.resolved_at, Case.closed_at,
                Case.satisfaction, Case.overdue, Case.escalated_at, Case.reopen_count)
GOOD = (Satisfaction.satisfied, Satisfaction.basically_satisfied)

# Every figure the window reads for a day, by (dimension, street_id, member_id).
Key = tuple[str, int, int]

def local_day(moment: datetime) -> date:
    return moment.astimezone(LOCAL_ZONE).date()


def day_window(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, LOCAL_ZONE)
    return start, datetime.combine(day + timedelta(days=1), time.min, LOCAL_ZONE)


class _Platforms:
    """A case's platform: its unit's, or before routing its category's."""

    def __init__(self, session: Session) -> None:
        self.units = dict(session.execute(select(HandlingUnit.id, HandlingUnit.platform)).all())
        self.categories = dict(session.execute(select(Category.id, Category.platform)).all())

    def of(self, unit_id: int | None, category_id: int | None) -> int:
        return platform_member(self.units.get(unit_id) or self.categories.get(category_id))


def _keys(row: Any, platforms: _Platforms) -> list[Key]:
    street = row.street_id
    return [("street", street, street), ("community", street, row.community_id or 0),
            ("category", street, row.category_id or 0), ("unit", street, row.handling_unit_id or 0),
            ("platform", street, platforms.of(row.handling_unit_id, row.category_id))]


_RESOLVED_ON_DAY = MEASURES.index("resolved_on_day")


def _new_figures() -> list:
    return [0] * len(MEASURES) + [defaultdict(int)]  # the measures in MEASURES order, then the histogram


def _hours(later: datetime | None, earlier: datetime) -> float | None:
    return None if later is None else (later - earlier).total_seconds() / 3600


def _cohort(row: Any) -> tuple[list[int], str | None]:
    """What a case submitted on the row's day adds to each of its rows, as it stands now; and its hours bucket."""
    answered = [moment for moment in (row.accepted_at, row.routed_at,
                                      row.closed_at if row.state == CaseState.rejected else None) if moment]
    to_resolve = _hours(row.resolved_at, row.submitted_at)
    is_open = row.state in OPEN_STATES
    counts = {
        "received": 1,
        "responded_12h": bool(answered) and _hours(min(answered), row.submitted_at) <= RESPONSE_HOURS,
        "rejected": row.state == CaseState.rejected,
        "resolved": to_resolve is not None,
        "resolved_72h": to_resolve is not None and to_resolve <= RESOLUTION_HOURS,
        "open": is_open, "overdue": bool(row.overdue), "open_overdue": is_open and bool(row.overdue),
        "escalated": row.escalated_at is not None, "reopened": (row.reopen_count or 0) > 0,
        "rated": row.satisfaction is not None, "satisfied": row.satisfaction in GOOD, "resolved_on_day": 0,
    }
    return [int(counts[name]) for name in MEASURES], None if to_resolve is None else str(hours_bucket(to_resolve))


class _Tally:
    """Figures of many days at once, keyed by (day, dimension, street, member)."""

    def __init__(self, platforms: _Platforms) -> None:
        self.platforms = platforms
        self.rows: dict[tuple[date, str, int, int], list] = defaultdict(_new_figures)

    def submitted(self, row: Any) -> None:
        day = local_day(row.submitted_at)
        counts, bucket = _cohort(row)
        present = [(index, value) for index, value in enumerate(counts) if value]
        for key in _keys(row, self.platforms):
            figures = self.rows[(day, *key)]
            for index, value in present:
                figures[index] += value
            if bucket is not None:
                figures[-1][bucket] += 1

    def resolved(self, row: Any) -> None:
        day = local_day(row.resolved_at)
        for key in _keys(row, self.platforms):
            self.rows[(day, *key)][_RESOLVED_ON_DAY] += 1

    def values(self) -> list[dict[str, Any]]:
        return [{"day": day, "dimension": dimension, "street_id": street, "member_id": member,
                 **dict(zip(MEASURES, figures, strict=False)), "resolve_hours": dict(figures[-1])}
                for (day, dimension, street, member), figures in self.rows.items()]


def _insert_rows(session: Session, rows: list[dict[str, Any]], chunk: int = 5000, model=CaseDayFigures) -> None:
    for start in range(0, len(rows), chunk):
        session.execute(model.__table__.insert(), rows[start:start + chunk])


def _months(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Day rows summed into month rows (histograms merged)."""
    months: dict[tuple, dict[str, Any]] = {}
    for row in rows:
        key = (month_start(row["day"]), row["dimension"], row["street_id"], row["member_id"])
        total = months.get(key)
        if total is None:
            total = months[key] = dict.fromkeys(MEASURES, 0) | {"resolve_hours": defaultdict(int)}
        for name in MEASURES:
            total[name] += row[name]
        for hours, count in (row["resolve_hours"] or {}).items():
            total["resolve_hours"][str(hours)] += count
    return [{"month": month, "dimension": dimension, "street_id": street, "member_id": member,
             **{name: total[name] for name in MEASURES}, "resolve_hours": dict(total["resolve_hours"])}
            for (month, dimension, street, member), total in months.items()]


def _refresh_month(session: Session, month: date) -> None:
    """The month's rows again from its days (a few thousand rows at most)."""
    columns = [CaseDayFigures.day, CaseDayFigures.dimension, CaseDayFigures.street_id, CaseDayFigures.member_id,
               *(getattr(CaseDayFigures, name) for name in MEASURES), CaseDayFigures.resolve_hours]
    days = session.execute(select(*columns).where(CaseDayFigures.day >= month,
                                                  CaseDayFigures.day < next_month(month))).mappings().all()
    session.execute(delete(CaseMonthFigures).where(CaseMonthFigures.month == month))
    _insert_rows(session, _months(days), model=CaseMonthFigures)


def _active_people(session: Session, start: datetime, end: datetime) -> int:
    """Distinct people who did anything in [start, end): a person counts once, by person or by openid."""
    people: set[int] = set()
    for statement in (
            select(CaseEvent.actor_id).where(CaseEvent.created_at >= start, CaseEvent.created_at < end,
                                             CaseEvent.actor_id.is_not(None)).distinct(),
            select(Opinion.author_id).where(Opinion.created_at >= start, Opinion.created_at < end).distinct(),
            select(Support.person_id).where(Support.created_at >= start, Support.created_at < end).distinct()):
        people.update(session.scalars(statement))
    openids = set(session.scalars(select(InboundMessage.openid).where(
        InboundMessage.received_at >= start, InboundMessage.received_at < end).distinct()))
    if openids:
        known = dict(session.execute(select(WechatIdentity.openid, WechatIdentity.person_id)
                                     .where(WechatIdentity.openid.in_(openids))).all())
        people.update(known.values())
        return len(people) + len(openids - set(known))
    return len(people)


def _store_activity(session: Session, day: date, people: int, now: datetime) -> None:
    insert = insert_for(session.get_bind().dialect.name)(ActivityDay)
    statement = insert.values(day=day, people=people, computed_at=now)
    session.execute(statement.on_conflict_do_update(
        index_elements=[ActivityDay.day], set_={"people": statement.excluded.people,
                                                "computed_at": statement.excluded.computed_at}))


def roll_up_day(uow: UnitOfWork, day: date) -> int:
    """Recompute one day's rows and its active people in one transaction; returns the rows written.

    The roll-up lock comes first (one roll-up at a time with several schedulers: a day and the month it
    refreshes are never written twice at once), then the day's dirty mark, removed with the old rows: a
    mark made meanwhile waits for this transaction and then makes the day dirty again.
    """
    with uow.transaction() as session:
        now = uow.clock.now()
        _take_rollup_lock(session, now)
        insert = insert_for(session.get_bind().dialect.name)(DirtyDay)
        session.execute(insert.values(day=day, marked_at=now).on_conflict_do_nothing())
        session.execute(select(DirtyDay.day).where(DirtyDay.day == day).with_for_update())
        start, end = day_window(day)
        tally = _Tally(_Platforms(session))
        for row in session.execute(select(*CASE_COLUMNS).where(
                Case.submitted_at >= start, Case.submitted_at < end, Case.state != CaseState.merged)):
            tally.submitted(row)
        for row in session.execute(select(*CASE_COLUMNS).where(
                Case.resolved_at >= start, Case.resolved_at < end, Case.state != CaseState.merged)):
            tally.resolved(row)
        rows = tally.values()
        session.execute(delete(CaseDayFigures).where(CaseDayFigures.day == day))
        _insert_rows(session, rows)
        _refresh_month(session, month_start(day))
        _store_activity(session, day, _active_people(session, start, end), now)
        session.execute(delete(DirtyDay).where(DirtyDay.day == day))
        return len(rows)


def _take_rollup_lock(session: Session, now: datetime) -> None:
    """One roll-up transaction at a time (a day, or the rebuild): several schedulers then never write the same
    day's or month's rows at once; the second waits on this row and recomputes from what the first wrote."""
    _set_watermarks(session, {"rollup": 0}, now)


def mark_days(session: Session, days: Iterable[date], now: datetime) -> int:
    days = sorted(set(days))
    if days:
        insert = insert_for(session.get_bind().dialect.name)(DirtyDay)
        statement = insert.values([{"day": day, "marked_at": now} for day in days])
        session.execute(statement.on_conflict_do_update(index_elements=[DirtyDay.day],
                                                        set_={"marked_at": statement.excluded.marked_at}))
    return len(days)


def _watermarks(session: Session) -> dict[str, int]:
    return dict(session.execute(select(FigureWatermark.source, FigureWatermark.last_id)).all())


def _set_watermarks(session: Session, marks: dict[str, int], now: datetime) -> None:
    insert = insert_for(session.get_bind().dialect.name)(FigureWatermark)
    statement = insert.values([{"source": source, "last_id": last, "updated_at": now}
                               for source, last in sorted(marks.items())])
    session.execute(statement.on_conflict_do_update(
        index_elements=[FigureWatermark.source],
        set_={"last_id": func.max(FigureWatermark.last_id, statement.excluded.last_id)
              if session.get_bind().dialect.name == "sqlite"
              else func.greatest(FigureWatermark.last_id, statement.excluded.last_id),
              "updated_at": statement.excluded.updated_at}))


def mark_dirty_days(uow: UnitOfWork) -> dict[str, int] | None:
    """Mark the days that what happened since the last run changed; None before the first rebuild."""
    with uow.transaction() as session:
        now = uow.clock.now()
        marks = _watermarks(session)
        if "case_events" not in marks:
            return None
        recent = now - RESCAN
        days: set[date] = set()
        new_marks = {source: marks.get(source, 0) for source in SOURCES}  # never the roll-up's lock row
        for source, (model, moment) in SOURCES.items():
            since = marks.get(source, 0)
            changed = or_(model.id > since, moment >= recent)
            if model is CaseEvent:
                rows = session.execute(select(CaseEvent.id, CaseEvent.created_at, Case.submitted_at, Case.resolved_at)
                                       .join(Case, Case.id == CaseEvent.case_id).where(changed)).all()
                for _, happened, submitted, resolved in rows:
                    days.update(local_day(moment) for moment in (happened, submitted, resolved) if moment)
            else:
                rows = session.execute(select(model.id, moment).where(changed)).all()
                days.update(local_day(happened) for _, happened in rows)
            new_marks[source] = max([since, *(row[0] for row in rows)])
        marked = mark_days(session, days, now)
        _set_watermarks(session, new_marks, now)
        return {"marked": marked}


def roll_up_dirty(uow: UnitOfWork, *, limit: int = BATCH_DAYS) -> dict[str, Any]:
    """The job: mark what changed, then recompute up to `limit` dirty days (oldest mark first).

    A database that never had a roll-up gets a full rebuild instead.
    """
    marked = mark_dirty_days(uow)
    if marked is None:
        return {"rebuilt": rebuild_figures(uow)}
    with uow.transaction() as session:
        days = list(session.scalars(select(DirtyDay.day).order_by(DirtyDay.marked_at, DirtyDay.day).limit(limit)))
    rows = sum(roll_up_day(uow, day) for day in days)
    return {"marked": marked["marked"], "days": len(days), "rows": rows}


def rebuild_figures(uow: UnitOfWork, *, chunk: int = 20000) -> dict[str, Any]:
    """Every day's rows from all cases, in one transaction: the first run, or after a change of rules.

    Reads the cases once in id order (server-side cursor on PostgreSQL) and the activity day by day.
    """
    started = timer.perf_counter()
    with uow.transaction() as session:
        now = uow.clock.now()
        _take_rollup_lock(session, now)
        marks = {source: session.scalar(select(func.coalesce(func.max(model.id), 0))) or 0
                 for source, (model, _) in SOURCES.items()}
        tally = _Tally(_Platforms(session))
        cases = 0
        result = session.execute(select(*CASE_COLUMNS).where(Case.state != CaseState.merged).order_by(Case.id)
                                 .execution_options(yield_per=chunk))
        for row in result:
            cases += 1
            tally.submitted(row)
            if row.resolved_at is not None:
                tally.resolved(row)
        rows = tally.values()
        session.execute(delete(CaseDayFigures))
        session.execute(delete(CaseMonthFigures))
        session.execute(delete(ActivityDay))
        session.execute(delete(DirtyDay))
        _insert_rows(session, rows)
        _insert_rows(session, _months(rows), model=CaseMonthFigures)
        first = session.scalar(select(func.min(CaseEvent.created_at)))
        days = 0
        if first is not None:
            day, last = local_day(first), local_day(now)
            while day <= last:
                start, end = day_window(day)
                people = _active_people(session, start, end)
                if people:
                    _store_activity(session, day, people, now)
                days += 1
                day += timedelta(days=1)
        _set_watermarks(session, marks, now)
    return {"cases": cases, "rows": len(rows), "days": days, "seconds": round(timer.perf_counter() - started, 2)}

