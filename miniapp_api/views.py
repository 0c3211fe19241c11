"""Small helpers shared by the views: shape an answer through its response model."""
from __future__ import annotations

from typing import Any

from flask import jsonify
from pydantic import BaseModel

from server.core.uow import UnitOfWork
from server.people.models import Person
from server.people.rules import Role
from server.places.models import Community, HandlingUnit, Street

ROLE_LABELS = {
    Role.resident: "居民群众", Role.council_member: "居民议事会议成员", Role.deputy: "人大代表",
    Role.street_office: "街道人大工委", Role.handling_unit: "承办单位", Role.district_committee: "区人大常委会",
    Role.system: "系统",
}


def answer(model: type[BaseModel], data: Any, status: int = 200):
    """Validate the data against the documented response model, so what we send is what we promise."""
    return jsonify(model.model_validate(data).model_dump(mode="json")), status


def person_view(uow: UnitOfWork, person: Person) -> dict[str, Any]:
    """A person as /me shows them: role with its Chinese label, and the names of their scope."""
    with uow.transaction() as session:
        def ref(model, row_id):
            row = session.get(model, row_id) if row_id is not None else None
            return {"id": row.id, "name": row.name} if row is not None else None

        return {"id": person.id, "name": person.name, "role": person.role.value,
                "role_label": ROLE_LABELS[person.role], "phone": person.phone,
                "street": ref(Street, person.street_id), "community": ref(Community, person.community_id),
                "handling_unit": ref(HandlingUnit, person.handling_unit_id)}
