"""The left menu: page modules add their entries; each signed-in person sees the ones of their role."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from server.people.rules import Role

GROUP_ORDER = ("待办", "民情民意", "区街联动", "代表工作", "居民议事", "全景视窗", "系统管理")


@dataclass(frozen=True)
class MenuItem:
    group: str
    label: str
    endpoint: str
    roles: frozenset[Role]
    order: int


_ITEMS: dict[str, MenuItem] = {}


def menu_item(*, group: str, label: str, endpoint: str, roles: Iterable[Role], order: int = 50) -> None:
    """Add (or replace, when a module is imported again) the entry for `endpoint`."""
    _ITEMS[endpoint] = MenuItem(group, label, endpoint, frozenset(roles), order)


def menu_for(role: Role) -> list[tuple[str, list[MenuItem]]]:
    groups: dict[str, list[MenuItem]] = {}
    for item in sorted(_ITEMS.values(), key=lambda item: item.order):
        if role in item.roles:
            groups.setdefault(item.group, []).append(item)
    rank = {name: index for index, name in enumerate(GROUP_ORDER)}
    return sorted(groups.items(), key=lambda pair: rank.get(pair[0], len(rank)))


def first_page(role: Role) -> str | None:
    groups = menu_for(role)
    return groups[0][1][0].endpoint if groups else None
