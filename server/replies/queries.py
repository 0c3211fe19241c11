"""Reading the reply templates: the ones for a case's category first, then those for every category."""
from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select

from server.core.uow import UnitOfWork
from server.places.models import Category
from server.replies.models import ReplyTemplate


def _row(template: ReplyTemplate, category: Category | None) -> dict[str, Any]:
    return {"id": template.id, "title": template.title, "body": template.body,
            "category": {"id": category.id, "name": category.name} if category else None,
            "updated_at": template.updated_at}


def list_templates(uow: UnitOfWork, *, category_id: int | None = None, every: bool = False) -> list[dict[str, Any]]:
    """Templates for one category and the general ones (or all of them with `every`), category's first."""
    with uow.transaction() as session:
        query = select(ReplyTemplate, Category).outerjoin(Category, Category.id == ReplyTemplate.category_id)
        if not every:
            query = query.where(or_(ReplyTemplate.category_id.is_(None), ReplyTemplate.category_id == category_id))
        rows = session.execute(query.order_by(ReplyTemplate.category_id.is_(None), ReplyTemplate.category_id,
                                              ReplyTemplate.id)).all()
        return [_row(template, category) for template, category in rows]


def get_template(uow: UnitOfWork, *, template_id: int) -> dict[str, Any] | None:
    with uow.transaction() as session:
        row = session.execute(select(ReplyTemplate, Category).outerjoin(Category, Category.id == ReplyTemplate.category_id)
                              .where(ReplyTemplate.id == template_id)).first()
        return _row(*row) if row else None
