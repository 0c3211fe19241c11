"""The panoramic window (全景视窗) assembled for a page: public, or the console's with filters.

Everything here reads the roll-ups (`queries`), the boards (`boards`) and the modules' own figures.
The public answer holds no person: counts, rates, names of streets and units, titles of open halls.
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from server.core.errors import ValidationError
from server.core.figures import Period
from server.core.uow import UnitOfWork
from server.halls import queries as halls
from server.statistics import boards, queries, texts
from server.statistics.modules import all_module_figures
from server.statistics.rollup import local_day
from server.statistics.rules import DIMENSIONS, month_start, next_month, previous_month

MAX_PERIOD_DAYS = 366 * 3
GRAINS = ("day", "week", "month")


def this_month(today: date) -> Period:
    return Period(month_start(today), today)


def parse_period(first: str | None, last: str | None, today: date) -> Period:
    """`first`/`last` as YYYY-MM-DD (either may be missing: this month so far); Chinese errors."""
    try:
        start = date.fromisoformat(first) if first else month_start(today)
        end = date.fromisoformat(last) if last else max(start, min(today, next_month(start) - timedelta(days=1)))
    except ValueError as exc:
        raise ValidationError("日期格式应为 年-月-日，例如 2026-11-01", details={"field": "from"}) from exc
    if end < start:
        raise ValidationError("结束日期不能早于开始日期", details={"field": "to"})
    if (end - start).days >= MAX_PERIOD_DAYS:
        raise ValidationError("统计区间最长三年", details={"field": "from"})
    return Period(start, end)


def _modules(uow: UnitOfWork, period: Period, street_id: int | None) -> list[dict[str, Any]]:
    return [{"key": module.key, "title": module.title,
             "figures": [{"key": f.key, "label": f.label, "value": f.value, "unit": f.unit} for f in module.figures]}
            for module in all_module_figures(uow, period, street_id)]


def _period(period: Period) -> dict[str, str]:
    return {"from": period.first.isoformat(), "to": period.last.isoformat()}


def public_window(uow: UnitOfWork, period: Period | None = None) -> dict[str, Any]:
    """What /dashboard shows: district figures, modules, the street ranking with its legend, the trend,
    the last frozen board and the open halls; `updated_at` is when the roll-up job last ran."""
    today = local_day(uow.clock.now())
    period = period or this_month(today)
    scope = queries.Scope(period)
    trend_period = Period(max(period.first, period.last - timedelta(days=29)), period.last)
    with uow.transaction():  # one transaction (and connection) for every read below
        return _public(uow, period, scope, trend_period, today)


def _public(uow: UnitOfWork, period: Period, scope: queries.Scope, trend_period: Period, today: date) -> dict:
    open_halls = halls.list_topics(uow, state="open", limit=10)["items"]
    last_board = boards.frozen_board(uow, "streets", previous_month(today))
    return {
        "period": _period(period),
        "updated_at": queries.updated_at(uow),
        "district": queries.district_figures(uow, scope),
        "modules": _modules(uow, period, None),
        "ranking": boards.live_ranking(uow, "streets", period),
        "board": last_board,
        "trend": queries.trend(uow, queries.Scope(trend_period), "day"),
        "halls": [{"id": topic["id"], "title": topic["title"], "street": topic.get("street_name"),
                   "closes_at": topic.get("closes_at"), "opinions": topic.get("opinion_count")}
                  for topic in open_halls],
    }


def console_window(uow: UnitOfWork, scope: queries.Scope, dimension: str = "street",
                   grain: str = "day") -> dict[str, Any]:
    """The console's version: one dimension's table, the heat table, the trend at a grain, both rankings."""
    if dimension not in DIMENSIONS:
        raise ValidationError("统计维度不正确", details={"field": "dimension"})
    if grain not in GRAINS:
        raise ValidationError("趋势粒度不正确", details={"field": "grain"})
    with uow.transaction():  # one transaction (and connection) for every read below
        return _console(uow, scope, dimension, grain)


def _console(uow: UnitOfWork, scope: queries.Scope, dimension: str, grain: str) -> dict[str, Any]:
    return {
        "period": _period(scope.period),
        "updated_at": queries.updated_at(uow),
        "district": queries.district_figures(uow, scope),
        "modules": _modules(uow, scope.period, scope.street_id),
        "table": queries.by_dimension(uow, scope, dimension),
        "heat": queries.heat_table(uow, scope),
        "trend": queries.trend(uow, scope, grain),
        "streets": boards.live_ranking(uow, "streets", scope.period),
        "units": boards.live_ranking(uow, "units", scope.period),
        "labels": texts.FIGURE_LABELS,
    }
