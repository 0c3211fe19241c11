"""民情民意 on the panoramic window (found by `server.statistics.modules.discover_modules`).

The window already shows the period's cases from its roll-ups; this module adds what only the case
engine knows now: its backlog at this moment. Each count reads the open cases alone (the state
indexes), never the period's history, so a three-year view costs what a one-day view does.
"""
from __future__ import annotations

from sqlalchemy import case, func, select

from server.cases.models import Case
from server.cases.states import OPEN_STATES, CaseState
from server.core.figures import Figure, ModuleFigures, Period
from server.core.uow import UnitOfWork


def module_figures(uow: UnitOfWork, period: Period, street_id: int | None) -> ModuleFigures:
    """Cases waiting for a deputy, being handled, and past their 72 hours, right now (the period is not used)."""
    open_ = Case.state.in_(list(OPEN_STATES))
    statement = select(
        func.coalesce(func.sum(case((Case.state == CaseState.submitted, 1), else_=0)), 0),
        func.count(),
        func.coalesce(func.sum(case((Case.overdue.is_(True), 1), else_=0)), 0),
    ).where(open_)  # one read of the open cases (the state index), whatever the period
    if street_id is not None:
        statement = statement.where(Case.street_id == street_id)
    with uow.transaction() as session:
        waiting, handling, overdue = session.execute(statement).one()
    return ModuleFigures(key="cases", title="民情民意", order=10, figures=[
        Figure("cases_waiting", "当前待接收", waiting, "件"),
        Figure("cases_open", "当前办理中", handling, "件"),
        Figure("cases_overdue", "当前已超时", overdue, "件"),
    ])
