"""居民议事 on the panoramic window (found by `server.statistics.modules.discover_modules`)."""
from __future__ import annotations

from sqlalchemy import func, or_, select, union

from server.core.figures import Figure, ModuleFigures, Period
from server.core.uow import UnitOfWork
from server.halls.models import Opinion, Support, Topic


def module_figures(uow: UnitOfWork, period: Period, street_id: int | None) -> ModuleFigures:
    """Topics open at any time in the period, opinions posted in it, and the distinct people who took part
    (posted or supported an opinion) in it."""
    start, end = period.starts_at, period.ends_before

    def in_street(statement):
        return statement if street_id is None else statement.where(Topic.street_id == street_id)

    with uow.transaction() as session:
        topics = session.scalar(in_street(select(func.count()).select_from(Topic).where(
            Topic.opened_at.is_not(None), Topic.opened_at < end,
            or_(Topic.closed_at.is_(None), Topic.closed_at >= start))))
        opinions = session.scalar(in_street(select(func.count()).select_from(Opinion)
                                            .join(Topic, Topic.id == Opinion.topic_id)
                                            .where(Opinion.created_at >= start, Opinion.created_at < end)))
        authors = in_street(select(Opinion.author_id.label("person")).join(Topic, Topic.id == Opinion.topic_id)
                            .where(Opinion.created_at >= start, Opinion.created_at < end))
        supporters = in_street(select(Support.person_id.label("person"))
                               .join(Opinion, Opinion.id == Support.opinion_id)
                               .join(Topic, Topic.id == Opinion.topic_id)
                               .where(Support.created_at >= start, Support.created_at < end))
        participants = session.scalar(select(func.count()).select_from(union(authors, supporters).subquery()))
    return ModuleFigures(key="halls", title="居民议事", order=40, figures=[
        Figure("topics", "议题", topics, "个"),
        Figure("opinions", "意见", opinions, "条"),
        Figure("participants", "参与人数", participants, "人"),
    ])
