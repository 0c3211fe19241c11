"""区街联动's figures for the panoramic window: streets' shares issued in the period, submitted on time,
overdue, suggestions collected and cases raised from them."""
from __future__ import annotations

from sqlalchemy import and_, func, or_, select

from server.core.figures import Figure, ModuleFigures, Period
from server.core.uow import UnitOfWork
from server.linkage.models import LinkageAssignment, LinkageSuggestion, LinkageTask
from server.linkage.rules import OWING, TaskState


def module_figures(uow: UnitOfWork, period: Period, street_id: int | None = None) -> ModuleFigures:
    """Counted over assignments of tasks issued in the period (one task to six streets is six shares of
    work when a street's figures are asked for; the district's "tasks issued" counts tasks)."""
    with uow.transaction() as session:
        now = uow.clock.now()
        issued = and_(LinkageTask.state != TaskState.draft, LinkageTask.issued_at >= period.starts_at,
                      LinkageTask.issued_at < period.ends_before)
        shares = select(LinkageAssignment.id).join(LinkageTask, LinkageTask.id == LinkageAssignment.task_id).where(issued)
        if street_id is not None:
            shares = shares.where(LinkageAssignment.street_id == street_id)
        share_ids = shares.subquery()
        in_period = LinkageAssignment.id.in_(select(share_ids.c.id))
        base = select(func.count(LinkageAssignment.id)).join(LinkageTask, LinkageTask.id == LinkageAssignment.task_id)
        tasks = session.scalar(select(func.count(func.distinct(LinkageAssignment.task_id))).where(in_period))
        on_time = session.scalar(base.where(in_period, LinkageAssignment.first_submitted_at <= LinkageTask.due_at))
        overdue = session.scalar(base.where(in_period, or_(
            LinkageAssignment.overdue.is_(True), LinkageAssignment.first_submitted_at > LinkageTask.due_at,
            and_(LinkageAssignment.first_submitted_at.is_(None), LinkageAssignment.state.in_(OWING),
                 LinkageTask.due_at <= now))))
        suggestions, cases = session.execute(
            select(func.count(LinkageSuggestion.id), func.count(LinkageSuggestion.case_id))
            .where(LinkageSuggestion.assignment_id.in_(select(share_ids.c.id)))).one()
    return ModuleFigures(key="linkage", title="区街联动", order=20, figures=[
        Figure("tasks_issued", "交办任务", tasks, "件"),
        Figure("on_time", "按期完成", on_time, "件"),
        Figure("overdue", "逾期", overdue, "件"),
        Figure("suggestions", "收集建议", suggestions, "条"),
        Figure("cases_raised", "转为民情民意", cases, "件"),
    ])
