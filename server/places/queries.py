"""Reference data for pickers: streets with their communities, categories, handling units."""
from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select

from server.core.uow import UnitOfWork
from server.places.models import Category, Community, HandlingUnit, Street
from server.places.rules import PLATFORM_LABELS


def list_streets(uow: UnitOfWork) -> list[dict[str, Any]]:
    """Every street with its communities, in a stable order."""
    with uow.transaction() as session:
        communities: dict[int, list[dict[str, Any]]] = {}
        for community in session.scalars(select(Community).order_by(Community.id)):
            communities.setdefault(community.street_id, []).append({"id": community.id, "name": community.name})
        return [{"id": s.id, "code": s.code, "name": s.name, "communities": communities.get(s.id, [])}
                for s in session.scalars(select(Street).order_by(Street.id))]


def list_categories(uow: UnitOfWork) -> list[dict[str, Any]]:
    with uow.transaction() as session:
        return [{"id": c.id, "code": c.code, "name": c.name, "platform": c.platform.value,
                 "platform_label": PLATFORM_LABELS[c.platform]}
                for c in session.scalars(select(Category).order_by(Category.id))]


def list_units(uow: UnitOfWork, *, street_id: int | None = None) -> list[dict[str, Any]]:
    """Handling units; with a street, that street's units plus the district-level ones."""
    with uow.transaction() as session:
        query = select(HandlingUnit).order_by(HandlingUnit.id)
        if street_id is not None:
            query = query.where(or_(HandlingUnit.street_id == street_id, HandlingUnit.street_id.is_(None)))
        return [{"id": u.id, "name": u.name, "platform": u.platform.value,
                 "platform_label": PLATFORM_LABELS[u.platform], "street_id": u.street_id}
                for u in session.scalars(query)]
