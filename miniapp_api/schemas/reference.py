from __future__ import annotations

from miniapp_api.schemas.common import DbId, In, Out, Ref


class StreetOut(Out):
    id: int
    code: str
    name: str
    communities: list[Ref]


class StreetList(Out):
    items: list[StreetOut]


class CategoryOut(Out):
    id: int
    code: str
    name: str
    platform: str
    platform_label: str


class CategoryList(Out):
    items: list[CategoryOut]


class UnitOut(Out):
    id: int
    name: str
    platform: str
    platform_label: str
    street_id: int | None


class UnitList(Out):
    items: list[UnitOut]


class UnitQuery(In):
    street_id: DbId | None = None
