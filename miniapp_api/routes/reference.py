"""Reference data for the mini-program's pickers."""
from __future__ import annotations

from server.services import reference

from ..auth import runtime
from ..blueprint import MinyiBlueprint
from ..schemas.reference import CategoryList, StreetList, UnitList, UnitQuery
from ..views import answer

bp = MinyiBlueprint("api_reference", __name__, tag="reference")


@bp.get("/streets", summary="街道与社区", responses={200: StreetList})
def streets():
    return answer(StreetList, {"items": reference.list_streets(runtime().uow())})


@bp.get("/categories", summary="问题分类", responses={200: CategoryList})
def categories():
    return answer(CategoryList, {"items": reference.list_categories(runtime().uow())})


@bp.get("/units", summary="承办单位（指定街道时含区级单位）", responses={200: UnitList})
def units(query: UnitQuery):
    return answer(UnitList, {"items": reference.list_units(runtime().uow(), street_id=query.street_id)})
