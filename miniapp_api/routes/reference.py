"""Reference data for the mini-program's pickers."""
from __future__ import annotations

from miniapp_api.blueprint import MinyiBlueprint
from miniapp_api.schemas.reference import CategoryList, StreetList, UnitList, UnitQuery
from miniapp_api.views import answer
from server.places import queries as reference
from server.web.runtime import current_runtime

bp = MinyiBlueprint("api_reference", __name__, tag="reference")


@bp.get("/streets", summary="街道与社区", responses={200: StreetList})
def streets():
    return answer(StreetList, {"items": reference.list_streets(current_runtime().uow())})


@bp.get("/categories", summary="问题分类", responses={200: CategoryList})
def categories():
    return answer(CategoryList, {"items": reference.list_categories(current_runtime().uow())})


@bp.get("/units", summary="承办单位（指定街道时含区级单位）", responses={200: UnitList})
def units(query: UnitQuery):
    return answer(UnitList, {"items": reference.list_units(current_runtime().uow(), street_id=query.street_id)})
