"""What the panoramic window reads: sums of the daily roll-ups over a period, never the cases.

Every function takes a `Period` (days in Asia/Shanghai) and optionally one street; the answers are
plain dicts a page, a JSON endpoint or an export can use as they are.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Integer, func, literal, select, true, union_all
from sqlalchemy.orm import Session

from server.core.figures import Period
from server.core.uow import UnitOfWork
from server.places.models import Category, Community, HandlingUnit, Street
from server.places.rules import PLATFORM_LABELS
from server.statistics.models import ActivityDay, CaseDayFigures, CaseMonthFigures, FigureWatermark
from server.statistics.rules import (
    DIMENSIONS,
    MEASURES,
    PLATFORMS,
    bucket_start,
    month_start,
    next_month,
    percentile,
    rates,
)

DIMENSION_LABELS = {"street": "街道", "community": "社区", "category": "类别", "unit": "承办单位", "platform": "四平台"}
NONE_LABELS = {"community": "未填社区", "category": "未分类", "unit": "未流转", "platform": "未分平台"}


@dataclass(frozen=True)
class Scope:
    """A period and, optionally, one street (a street office sees only its own)."""

    period: Period
    street_id: int | None = None


def _sums(source=None):
    table = CaseDayFigures if source is None else source.c
    return [func.coalesce(func.sum(getattr(table, name)), 0).label(name) for name in MEASURES]


def _where(statement, scope: Scope, dimension: str):
    """Daily rows of the period (the trend reads these)."""
    statement = statement.where(CaseDayFigures.dimension == dimension, CaseDayFigures.day >= scope.period.first,
                                CaseDayFigures.day <= scope.period.last)
    if scope.street_id is not None:
        statement = statement.where(CaseDayFigures.street_id == scope.street_id)
    return statement


def _source(scope: Scope, dimension: str):
    """The period's rows of one dimension: whole calendar months from the monthly rows, the days before the
    first whole month and after the last from the daily rows (a year: about 12 rows per member, not 365)."""
    first, last = scope.period.first, scope.period.last
    months_from = first if first.day == 1 else next_month(first)
    months_until = month_start(last + timedelta(days=1))  # exclusive: months that end inside the period
    parts = []

    def part(model, column, start, end):  # [start, end)
        statement = select(model.street_id, model.member_id, *(getattr(model, name) for name in MEASURES),
                           model.resolve_hours).where(model.dimension == dimension, column >= start, column < end)
        if scope.street_id is not None:
            statement = statement.where(model.street_id == scope.street_id)
        parts.append(statement)

    if months_from < months_until:
        part(CaseMonthFigures, CaseMonthFigures.month, months_from, months_until)
        if first < months_from:
            part(CaseDayFigures, CaseDayFigures.day, first, months_from)
        if months_until <= last:
            part(CaseDayFigures, CaseDayFigures.day, months_until, last + timedelta(days=1))
    else:
        part(CaseDayFigures, CaseDayFigures.day, first, last + timedelta(days=1))
    return (union_all(*parts) if len(parts) > 1 else parts[0]).subquery("figures")


def summarize(totals: dict[str, int], histogram: dict[int, int]) -> dict[str, Any]:
    """Measures, the three rates, and median / p90 hours to resolve."""
    return ({name: int(totals.get(name, 0)) for name in MEASURES} | rates(totals)
            | {"median_hours_to_resolve": percentile(histogram, 0.5), "p90_hours_to_resolve": percentile(histogram, 0.9)})


def _histograms(session: Session, scope: Scope, dimension: str, member: bool) -> dict[int, dict[int, int]]:
    """Resolve-hours histograms summed per member (or all together) inside the database: one row per
    (member, hour), not one JSON document per roll-up row decoded in Python."""
    source = _source(scope, dimension)
    if session.get_bind().dialect.name == "postgresql":
        entries = func.jsonb_each_text(source.c.resolve_hours).table_valued("key", "value").lateral()
        count = func.sum(entries.c.value.cast(Integer))
    else:
        entries = func.json_each(source.c.resolve_hours).table_valued("key", "value")
        count = func.sum(entries.c.value)
    key = source.c.member_id if member else literal(0)
    hours = entries.c.key.cast(Integer)
    statement = (select(key, hours, count).select_from(source).join(entries, true())
                 .where(source.c.resolved > 0).group_by(key, hours))
    histograms: dict[int, dict[int, int]] = defaultdict(dict)
    for member_id, hour, total in session.execute(statement):
        histograms[member_id][int(hour)] = int(total)
    return histograms


def district_figures(uow: UnitOfWork, scope: Scope) -> dict[str, Any]:
    """The district's (or one street's) figures for the period, with daily active people."""
    with uow.transaction() as session:
        source = _source(scope, "street")
        totals = session.execute(select(*_sums(source))).mappings().one()
        histogram = _histograms(session, scope, "street", member=False).get(0, {})
        active = session.execute(select(func.coalesce(func.sum(ActivityDay.people), 0), func.count(),
                                        func.max(ActivityDay.people))
                                 .where(ActivityDay.day >= scope.period.first, ActivityDay.day <= scope.period.last)
                                 ).one()
        last_day = session.scalar(select(ActivityDay.people).where(ActivityDay.day <= scope.period.last)
                                  .order_by(ActivityDay.day.desc()).limit(1))
    days = (scope.period.last - scope.period.first).days + 1
    return summarize(dict(totals), histogram) | {
        "daily_active_average": round(active[0] / days, 1) if days else None,
        "daily_active_peak": active[2] or 0,
        "daily_active_last": last_day or 0,
    }


def _names(session: Session, dimension: str) -> dict[int, str]:
    if dimension == "platform":
        return {index: PLATFORM_LABELS[platform] for index, platform in enumerate(PLATFORMS, start=1)}
    model = {"street": Street, "community": Community, "category": Category, "unit": HandlingUnit}[dimension]
    return dict(session.execute(select(model.id, model.name)).all())


def by_dimension(uow: UnitOfWork, scope: Scope, dimension: str, *, percentiles: bool = True) -> list[dict[str, Any]]:
    """One row per member of the dimension (street, community, category, unit, platform), most cases first
    (without `percentiles` the median and p90 are left out: a ranking does not need them)."""
    if dimension not in DIMENSIONS:
        raise ValueError(f"unknown dimension {dimension!r}")
    with uow.transaction() as session:
        source = _source(scope, dimension)
        rows = session.execute(select(source.c.member_id, *_sums(source))
                               .group_by(source.c.member_id)).mappings().all()
        histograms = _histograms(session, scope, dimension, member=True) if percentiles else {}
        names = _names(session, dimension)
    found = {row["member_id"]: dict(row) for row in rows}
    if dimension == "street":  # every street has a row, even with no case in the period
        members = [s for s in sorted(names) if scope.street_id in (None, s)]
        found = {member: found.get(member, {}) for member in members}
    answer = [{"id": member, "name": names.get(member, NONE_LABELS.get(dimension, "—"))}
              | summarize(totals, histograms.get(member, {})) for member, totals in found.items()]
    return sorted(answer, key=lambda row: (-row["received"], row["id"]))


def heat_table(uow: UnitOfWork, scope: Scope) -> dict[str, Any]:
    """Cases received by category (rows) and street (columns)."""
    with uow.transaction() as session:
        source = _source(scope, "category")
        rows = session.execute(select(source.c.member_id, source.c.street_id, func.sum(source.c.received))
                               .group_by(source.c.member_id, source.c.street_id)).all()
        categories = _names(session, "category")
        streets = [(id_, name) for id_, name in session.execute(select(Street.id, Street.name).order_by(Street.id))
                   if scope.street_id in (None, id_)]
    cells: dict[int, dict[int, int]] = defaultdict(dict)
    for category, street, received in rows:
        if received:
            cells[category][street] = int(received)
    ordered = sorted(cells, key=lambda category: (-sum(cells[category].values()), category))
    return {"streets": [{"id": id_, "name": name} for id_, name in streets],
            "rows": [{"id": category, "name": categories.get(category, NONE_LABELS["category"]),
                      "cells": [cells[category].get(id_, 0) for id_, _ in streets],
                      "total": sum(cells[category].values())} for category in ordered],
            "max": max((value for row in cells.values() for value in row.values()), default=0)}


def trend(uow: UnitOfWork, scope: Scope, grain: str = "day") -> list[dict[str, Any]]:
    """Received vs resolved and the three rates per day, week (from Monday) or month."""
    with uow.transaction() as session:
        rows = session.execute(_where(select(CaseDayFigures.day, *_sums()), scope, "street")
                               .group_by(CaseDayFigures.day)).mappings().all()
    buckets: dict[date, dict[str, int]] = {}
    day = scope.period.first
    while day <= scope.period.last:
        buckets.setdefault(bucket_start(day, grain), dict.fromkeys(MEASURES, 0))
        day = date.fromordinal(day.toordinal() + 1)
    for row in rows:
        bucket = buckets[bucket_start(row["day"], grain)]
        for name in MEASURES:
            bucket[name] += int(row[name])
    return [{"start": start.isoformat(), "received": totals["received"], "resolved": totals["resolved_on_day"]}
            | rates(totals) for start, totals in sorted(buckets.items())]


def updated_at(uow: UnitOfWork) -> datetime | None:
    """When the roll-up job last ran: the time of the figures."""
    with uow.transaction() as session:
        return session.scalar(select(FigureWatermark.updated_at).where(FigureWatermark.source == "case_events"))
