"""The cases behind a number on the panoramic window (drill-down), a page at a time.

Unlike the figures this reads the cases themselves, but only one period's, through the submitted_at
index, and one page of rows.
"""
from __future__ import annotations

from math import ceil
from typing import Any

from sqlalchemy import func, select

from server.cases.models import Case
from server.cases.states import OPEN_STATES, STATE_LABELS, CaseState
from server.core.errors import ValidationError
from server.core.uow import UnitOfWork
from server.places.models import Category, HandlingUnit, Street
from server.places.rules import Platform
from server.statistics.queries import Scope
from server.statistics.rules import DIMENSIONS, PLATFORMS

METRICS = {
    "received": "受理", "open": "办理中", "overdue": "超时", "escalated": "提级办理", "reopened": "重办",
    "rejected": "不予受理", "resolved": "已办结",
}
PER_PAGE = 20


def _metric(metric: str):
    return {
        "received": None, "open": Case.state.in_(list(OPEN_STATES)), "overdue": Case.overdue.is_(True),
        "escalated": Case.escalated_at.is_not(None), "reopened": Case.reopen_count > 0,
        "rejected": Case.state == CaseState.rejected, "resolved": Case.resolved_at.is_not(None),
    }[metric]


def _member(statement, dimension: str, member_id: int):
    if dimension == "platform":
        platform = func.coalesce(HandlingUnit.platform, Category.platform)
        if member_id == 0:
            return statement.where(platform.is_(None))
        return statement.where(platform == Platform(PLATFORMS[member_id - 1]).value)
    column = {"street": Case.street_id, "community": Case.community_id, "category": Case.category_id,
              "unit": Case.handling_unit_id}[dimension]
    return statement.where(column.is_(None) if member_id == 0 else column == member_id)


def cases_behind(uow: UnitOfWork, scope: Scope, *, metric: str = "received", dimension: str | None = None,
                 member_id: int | None = None, page: int = 1, per_page: int = PER_PAGE) -> dict[str, Any]:
    """Cases submitted in the scope's period (merged duplicates left out, as in the figures) that make up
    `metric`, optionally of one member of a dimension; newest first."""
    if metric not in METRICS:
        raise ValidationError("没有这项指标", details={"field": "metric"})
    if dimension is not None and (dimension not in DIMENSIONS or member_id is None):
        raise ValidationError("统计维度不正确", details={"field": "dimension"})
    statement = (select(Case.id, Case.tracking_number, Case.state, Case.submitted_at, Case.resolved_at,
                        Street.name.label("street"), Category.name.label("category"), HandlingUnit.name.label("unit"))
                 .join(Street, Street.id == Case.street_id)
                 .outerjoin(Category, Category.id == Case.category_id)
                 .outerjoin(HandlingUnit, HandlingUnit.id == Case.handling_unit_id)
                 .where(Case.submitted_at >= scope.period.starts_at, Case.submitted_at < scope.period.ends_before,
                        Case.state != CaseState.merged))
    if scope.street_id is not None:
        statement = statement.where(Case.street_id == scope.street_id)
    condition = _metric(metric)
    if condition is not None:
        statement = statement.where(condition)
    if dimension is not None:
        statement = _member(statement, dimension, member_id)
    page = max(1, page)
    with uow.transaction() as session:
        total = session.scalar(select(func.count()).select_from(statement.subquery()))
        rows = session.execute(statement.order_by(Case.submitted_at.desc(), Case.id.desc())
                               .offset((page - 1) * per_page).limit(per_page)).mappings().all()
    return {"total": total, "number": page, "pages": max(1, ceil(total / per_page)),
            "items": [dict(row) | {"state_label": STATE_LABELS[row["state"]]} for row in rows]}
