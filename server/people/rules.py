"""Who people are in Minyi: their roles and the scope a role gives them (pure: no Flask, no SQLAlchemy)."""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    resident = "resident"
    council_member = "council_member"
    deputy = "deputy"
    street_office = "street_office"
    handling_unit = "handling_unit"
    district_committee = "district_committee"
    system = "system"


RESIDENT_ROLES = frozenset({Role.resident, Role.council_member})
OFFICE_ROLES = frozenset({Role.street_office, Role.district_committee})


@dataclass(frozen=True)
class Actor:
    """Who acts, with the scope their role gives them."""

    person_id: int | None
    role: Role
    street_id: int | None = None
    community_id: int | None = None
    unit_id: int | None = None

    @classmethod
    def system(cls) -> Actor:
        return cls(person_id=None, role=Role.system)
