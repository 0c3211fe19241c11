"""Contact stations (代表联络站): anyone signed in reads them (the public page is /stations/<id>); the
street office opens and edits its street's."""
from __future__ import annotations

from miniapp_api.auth import OFFICES, current_person_id, roles
from miniapp_api.blueprint import MinyiBlueprint
from miniapp_api.errors import errors
from miniapp_api.schemas.deputies import (
    CreateStationIn,
    EditStationIn,
    StationList,
    StationOut,
    StationPage,
    StationPath,
    StationQuery,
)
from miniapp_api.views import answer
from server.deputies import queries, service
from server.web.runtime import current_runtime

bp = MinyiBlueprint("api_stations", __name__, tag="stations")


def _one(station_id: int, status: int = 200):
    page = queries.station_page(current_runtime().uow(), station_id=station_id)
    fields = set(StationOut.model_fields)
    return answer(StationOut, {key: value for key, value in page.items() if key in fields}, status)


@bp.get("/stations", summary="代表联络站（可按街道筛选）", responses={200: StationList})
def list_stations(query: StationQuery):
    return answer(StationList, {"items": queries.list_stations(current_runtime().uow(), street_id=query.street_id)})


@bp.get("/stations/<int:station_id>", summary="联络站：地址、开放时间、代表姓名、近期接待日",
        responses={200: StationPage, **errors(404)})
def get_station(path: StationPath):
    return answer(StationPage, queries.station_page(current_runtime().uow(), station_id=path.station_id))


@bp.post("/stations", summary="新建本街道的代表联络站", responses={201: StationOut, **errors(403, 404)})
@roles(OFFICES)
def create_station(body: CreateStationIn):
    station = service.create_station(current_runtime().uow(), actor_id=current_person_id(),
                                     **body.model_dump())
    return _one(station.id, 201)


@bp.patch("/stations/<int:station_id>", summary="修改联络站（名称、地址、开放时间、社区、电话）",
          responses={200: StationOut, **errors(403, 404)})
@roles(OFFICES)
def edit_station(path: StationPath, body: EditStationIn):
    service.update_station(current_runtime().uow(), actor_id=current_person_id(), station_id=path.station_id,
                           **body.model_dump(exclude_unset=True))
    return _one(path.station_id)
