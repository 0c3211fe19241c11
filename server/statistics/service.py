"""Figures for the panoramic window (全景视窗) and the street rankings (赛马晾晒).

`rank_streets` computes the ranking from a year of cases: at a million cases that is seconds of
database work, too much for a page view. So a scheduler job (`refresh_street_ranking`, every few
minutes) stores the result in `street_rankings`, one row per street, and the page reads those rows
with `street_ranking` (it computes on the fly only while no snapshot exists: a fresh database).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from statistics import median

from sqlalchemy import Integer, and_, case, func, select
from sqlalchemy.orm import Session

from server.cases.deadlines import RESPONSE_WINDOW
from server.cases.models import Case
from server.cases.states import OPEN_STATES, CaseState, Satisfaction
from server.core.db import insert_for
from server.core.uow import UnitOfWork
from server.places.models import Street
from server.statistics.models import StreetRanking

GREEN_AT, YELLOW_AT = 0.9, 0.75  # share resolved inside 72 h that earns each colour band
RANKING_WINDOW = timedelta(days=365)
FIGURE_FIELDS = ("cases", "open", "overdue", "resolved", "resolved_within_72h_rate", "satisfaction_rate",
                 "response_rate", "median_hours_to_resolve", "p90_hours_to_resolve", "rank", "band")


@dataclass(frozen=True)
class StreetFigures:
    street_id: int
    street_name: str
    cases: int
    open: int
    overdue: int
    resolved: int
    resolved_within_72h_rate: float | None
    satisfaction_rate: float | None
    response_rate: float | None
    median_hours_to_resolve: float | None
    p90_hours_to_resolve: float | None
    rank: int = 0
    band: str = ""


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _as_int(expression):
    return func.coalesce(func.sum(case((expression, 1), else_=0)), 0).cast(Integer)


def _resolved_in_time(session: Session):
    """Resolved inside the 72-hour window; SQLite has no interval arithmetic, so it compares Julian days."""
    if session.get_bind().dialect.name == "postgresql":
        return and_(Case.resolved_at.is_not(None), Case.resolved_at - Case.submitted_at <= RESPONSE_WINDOW)
    days = RESPONSE_WINDOW.total_seconds() / 86400
    return and_(Case.resolved_at.is_not(None),
                func.julianday(Case.resolved_at) - func.julianday(Case.submitted_at) <= days)


def _resolve_hours(session: Session, since: datetime, until: datetime) -> dict[int, tuple[float, float]]:
    """Median and p90 hours from submission to resolution, per street."""
    resolved = and_(Case.resolved_at.is_not(None), Case.submitted_at >= since, Case.submitted_at < until,
                    Case.state != CaseState.merged)
    if session.get_bind().dialect.name == "postgresql":
        hours = func.extract("epoch", Case.resolved_at - Case.submitted_at) / 3600.0
        rows = session.execute(
            select(Case.street_id, func.percentile_cont(0.5).within_group(hours),
                   func.percentile_cont(0.9).within_group(hours)).where(resolved).group_by(Case.street_id))
        return {street: (float(p50), float(p90)) for street, p50, p90 in rows}
    durations: dict[int, list[float]] = {}
    for street, submitted, done in session.execute(
            select(Case.street_id, Case.submitted_at, Case.resolved_at).where(resolved)):
        durations.setdefault(street, []).append((done - submitted).total_seconds() / 3600)
    result = {}
    for street, values in durations.items():
        values.sort()
        result[street] = (median(values), values[min(len(values) - 1, int(0.9 * len(values)))])
    return result


def rank_streets(uow: UnitOfWork, *, since: datetime | None = None, until: datetime | None = None
                 ) -> list[dict]:
    """Streets ranked by the share of cases resolved inside 72 hours, with colour bands (分色晾晒)."""
    with uow.transaction() as session:
        until = until or uow.clock.now()
        since = since or until - RANKING_WINDOW
        rows = session.execute(
            select(
                Street.id, Street.name,
                func.count(Case.id),
                _as_int(Case.state.in_(list(OPEN_STATES))),
                _as_int(Case.overdue.is_(True)),
                _as_int(Case.resolved_at.is_not(None) | (Case.state == CaseState.closed)),
                _as_int(Case.satisfaction.in_([Satisfaction.satisfied, Satisfaction.basically_satisfied])),
                _as_int(Case.satisfaction.is_not(None)),
                _as_int(Case.accepted_at.is_not(None)),
                _as_int(_resolved_in_time(session)),
            )
            # A merged duplicate is the same problem as the case it joined: it counts once, there.
            .join(Case, and_(Case.street_id == Street.id, Case.submitted_at >= since, Case.submitted_at < until,
                             Case.state != CaseState.merged), isouter=True)
            .group_by(Street.id, Street.name).order_by(Street.id)
        ).all()
        hours = _resolve_hours(session, since, until)
    figures = []
    for street_id, name, total, open_, overdue, resolved, satisfied, rated, accepted, on_time in rows:
        p50, p90 = hours.get(street_id, (None, None))
        figures.append(StreetFigures(
            street_id=street_id, street_name=name, cases=total, open=open_, overdue=overdue, resolved=resolved,
            resolved_within_72h_rate=_ratio(on_time, resolved),
            satisfaction_rate=_ratio(satisfied, rated), response_rate=_ratio(accepted, total),
            median_hours_to_resolve=round(p50, 1) if p50 is not None else None,
            p90_hours_to_resolve=round(p90, 1) if p90 is not None else None))
    ordered = sorted(figures, key=lambda f: (-(f.resolved_within_72h_rate or 0), -(f.satisfaction_rate or 0),
                                            f.street_id))
    ranked = []
    for position, item in enumerate(ordered, start=1):
        rate = item.resolved_within_72h_rate
        band = "green" if rate is not None and rate >= GREEN_AT else \
            "yellow" if rate is not None and rate >= YELLOW_AT else "red"
        ranked.append(asdict(item) | {"rank": position, "band": band})
    return ranked


@dataclass(frozen=True)
class Ranking:
    """The ranking a page shows, and when it was computed (cases submitted in [since, computed_at))."""
    streets: list[dict]
    computed_at: datetime
    since: datetime
    from_snapshot: bool


def street_ranking(uow: UnitOfWork) -> Ranking:
    """What the panoramic window shows: the stored snapshot (a read of one row per street), or, while
    none has been stored yet, the ranking computed now."""
    with uow.transaction() as session:
        rows = session.execute(select(StreetRanking, Street.name).join(Street, Street.id == StreetRanking.street_id)
                               .order_by(StreetRanking.rank, StreetRanking.street_id)).all()
        if rows:
            streets = [{"street_id": row.street_id, "street_name": name}
                       | {field: getattr(row, field) for field in FIGURE_FIELDS} for row, name in rows]
            return Ranking(streets, computed_at=max(row.computed_at for row, _ in rows),
                           since=min(row.since for row, _ in rows), from_snapshot=True)
        until = uow.clock.now()
        since = until - RANKING_WINDOW
        return Ranking(rank_streets(uow, since=since, until=until), computed_at=until, since=since,
                       from_snapshot=False)


def refresh_street_ranking(uow: UnitOfWork, *, fresh_for: timedelta | None = None) -> dict:
    """Compute the ranking and store it as the snapshot: one upsert of every street's row, in one transaction.

    Safe with any number of scheduler processes: the rows are written in street order (no deadlock),
    and a row is only replaced by figures computed at the same moment or later, so a slow run that
    finishes last never puts older figures back. With `fresh_for`, a snapshot younger than that is
    left alone (another process has just refreshed it) and nothing is computed.
    """
    until = uow.clock.now()
    if fresh_for is not None:
        with uow.transaction() as session:
            latest = session.scalar(select(func.max(StreetRanking.computed_at)))
        if latest is not None and until - latest < fresh_for:
            return {"refreshed": False, "computed_at": latest.isoformat()}
    since = until - RANKING_WINDOW
    ranking = rank_streets(uow, since=since, until=until)  # its own read transaction: no locks held meanwhile
    if not ranking:
        return {"refreshed": True, "streets": 0, "written": 0, "computed_at": until.isoformat()}
    with uow.transaction() as session:
        insert = insert_for(session.get_bind().dialect.name)
        statement = insert(StreetRanking).values([
            {"street_id": row["street_id"], "since": since, "computed_at": until}
            | {field: row[field] for field in FIGURE_FIELDS}
            for row in sorted(ranking, key=lambda row: row["street_id"])])
        statement = statement.on_conflict_do_update(
            index_elements=[StreetRanking.street_id],
            set_={field: statement.excluded[field] for field in (*FIGURE_FIELDS, "since", "computed_at")},
            where=StreetRanking.computed_at <= statement.excluded.computed_at).returning(StreetRanking.street_id)
        written = len(session.execute(statement).all())
    return {"refreshed": True, "streets": len(ranking), "written": written, "computed_at": until.isoformat()}
