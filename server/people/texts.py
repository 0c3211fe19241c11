"""Words people see about roles."""
from __future__ import annotations

from server.people.rules import Role

ROLE_LABELS = {
    Role.resident: "居民群众", Role.council_member: "居民议事会议成员", Role.deputy: "人大代表",
    Role.street_office: "街道人大工委", Role.handling_unit: "承办单位", Role.district_committee: "区人大常委会",
    Role.system: "系统",
}
