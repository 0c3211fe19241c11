"""Where something belongs: a street and, optionally, one of its communities."""
from __future__ import annotations

from typing import Protocol

from sqlalchemy.orm import Session

from server.core.errors import ValidationError
from server.places.models import Community, Street


class LivesSomewhere(Protocol):
    """Anyone with a home street (a person); places need nothing else of people."""

    street_id: int | None


def resolve_place(session: Session, *, street_id: int | None, community_id: int | None, person: LivesSomewhere,
                  missing_street: str) -> tuple[int, int | None]:
    """The street (given, the community's, or the person's) and the community, checked to belong together."""
    community = session.get(Community, community_id) if community_id is not None else None
    if community_id is not None and community is None:
        raise ValidationError("社区不存在", details={"field": "community_id"})
    street_id = street_id or (community.street_id if community else None) or person.street_id
    # The person's own street exists (a foreign key); any other is looked up.
    if street_id is None or (street_id != person.street_id and session.get(Street, street_id) is None):
        raise ValidationError(missing_street, details={"field": "street_id"})
    if community is not None and community.street_id != street_id:
        raise ValidationError("社区不属于所选街道", details={"field": "community_id"})
    return street_id, community_id
