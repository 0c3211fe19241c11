"""Deputy work's figures for the panoramic window (server.statistics.modules)."""
from __future__ import annotations

from sqlalchemy import func, select

from server.core.figures import Figure, ModuleFigures, Period
from server.core.uow import UnitOfWork
from server.deputies.models import DutyEntry, ReceptionDay, ReceptionMatter, ReceptionVisit
from server.deputies.rules import ReceptionState
from server.people.models import Person


def module_figures(uow: UnitOfWork, period: Period, street_id: int | None) -> ModuleFigures:
    """Reception days held, residents received, matters raised and the cases made of them, duty entries."""
    since, until = period.starts_at, period.ends_before
    with uow.transaction() as session:
        held = select(ReceptionDay.id).where(ReceptionDay.state == ReceptionState.held,
                                             ReceptionDay.starts_at >= since, ReceptionDay.starts_at < until)
        if street_id is not None:
            held = held.where(ReceptionDay.street_id == street_id)
        days = session.scalar(select(func.count()).select_from(held.subquery()))
        visits = session.scalar(select(func.count()).select_from(ReceptionVisit)
                                .where(ReceptionVisit.reception_id.in_(held)))
        matters, cases = session.execute(
            select(func.count(), func.count(ReceptionMatter.case_id)).where(ReceptionMatter.reception_id.in_(held))
        ).one()
        entries = select(func.count()).select_from(DutyEntry).where(
            DutyEntry.happened_on >= period.first, DutyEntry.happened_on <= period.last)
        if street_id is not None:
            entries = entries.join(Person, Person.id == DutyEntry.deputy_id).where(Person.street_id == street_id)
        entry_count = session.scalar(entries)
    return ModuleFigures(key="deputies", title="代表工作", order=50, figures=[
        Figure("receptions_held", "代表进站接待", days or 0, "次"),
        Figure("residents_received", "接待群众", visits or 0, "人次"),
        Figure("matters_raised", "收集诉求", matters or 0, "件"),
        Figure("cases_from_matters", "诉求转民情件", cases or 0, "件"),
        Figure("duty_entries", "代表履职记录", entry_count or 0, "条"),
    ])
