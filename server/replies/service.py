"""Keeping the reply templates (常用回复): the district committee writes them for everyone."""
from __future__ import annotations

from sqlalchemy import delete

from server.core.errors import NotFoundError, PermissionDeniedError, ValidationError
from server.core.text import clean_text
from server.core.uow import UnitOfWork
from server.people.models import Person
from server.people.rules import Role
from server.places.models import Category
from server.replies.models import ReplyTemplate

MAX_TITLE = 30
MAX_BODY = 1000


def _check_keeper(session, actor_id: int) -> None:
    person = session.get(Person, actor_id)
    if person is None or not person.is_active or person.role != Role.district_committee:
        raise PermissionDeniedError("只有区人大常委会可以维护常用回复")


def save_template(uow: UnitOfWork, *, actor_id: int, title: str, body: str, category_id: int | None = None,
                  template_id: int | None = None) -> ReplyTemplate:
    """Add a template, or change one (`template_id`); who changed it last and when are kept."""
    with uow.transaction() as session:
        _check_keeper(session, actor_id)
        title = clean_text(title, field="标题", limit=MAX_TITLE)
        body = clean_text(body, field="回复内容", limit=MAX_BODY)
        if category_id is not None and session.get(Category, category_id) is None:
            raise ValidationError("分类不存在", details={"field": "category_id"})
        now = uow.clock.now()
        if template_id is None:
            template = ReplyTemplate(created_at=now)
            session.add(template)
        else:
            template = session.get(ReplyTemplate, template_id)
            if template is None:
                raise NotFoundError("找不到该常用回复")
        template.title, template.body, template.category_id = title, body, category_id
        template.updated_by_id, template.updated_at = actor_id, now
        session.flush()
        return template


def delete_template(uow: UnitOfWork, *, actor_id: int, template_id: int) -> None:
    with uow.transaction() as session:
        _check_keeper(session, actor_id)
        if not session.execute(delete(ReplyTemplate).where(ReplyTemplate.id == template_id)).rowcount:
            raise NotFoundError("找不到该常用回复")
