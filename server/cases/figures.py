"""民情民意 on the panoramic window (found by `server.statistics.modules.discover_modules`)."""
from __future__ import annotations

from sqlalchemy import func, select

from server.cases.models import Case
from server.cases.states import CaseState, Satisfaction
from server.core.figures import Figure, ModuleFigures, Period
from server.core.uow import UnitOfWork


def module_figures(uow: UnitOfWork, period: Period, street_id: int | None) -> ModuleFigures:
    """Reports received and resolved in the period (a merged duplicate counts once, in the case it joined).

    Two indexed range counts (submitted_at, resolved_at); the rates and times are the window's own figures.
    """
    def counted(moment):
        statement = select(func.count()).select_from(Case).where(
            moment >= period.starts_at, moment < period.ends_before, Case.state != CaseState.merged)
        return statement if street_id is None else statement.where(Case.street_id == street_id)

    with uow.transaction() as session:
        received = session.scalar(counted(Case.submitted_at))
        resolved = session.scalar(counted(Case.resolved_at))
        satisfied = session.scalar(counted(Case.resolved_at).where(
            Case.satisfaction.in_([Satisfaction.satisfied, Satisfaction.basically_satisfied])))
    return ModuleFigures(key="cases", title="民情民意", order=10, figures=[
        Figure("cases_received", "收到反映", received, "件"),
        Figure("cases_resolved", "办结", resolved, "件"),
        Figure("cases_satisfied", "满意与基本满意", satisfied, "件"),
    ])
