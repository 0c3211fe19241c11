"""Deputies: a resident's deputies (找代表), profiles, the duty record (and its PDF), own entries, the
score's weights and the deputies' ranking (district and street offices only)."""
from __future__ import annotations

from flask import Response

from miniapp_api.auth import OFFICES, RESIDENTS, STAFF, current_person_id, roles
from miniapp_api.blueprint import MinyiBlueprint
from miniapp_api.errors import errors
from miniapp_api.schemas.common import Ok
from miniapp_api.schemas.deputies import (
    DeputyList,
    DeputyPath,
    DeputyProfileIn,
    DutyRecordOut,
    EntryIn,
    EntryOut,
    MyDeputies,
    RankingOut,
    RankingQuery,
    StationQuery,
    WeightsIn,
    WeightsOut,
    YearQuery,
)
from miniapp_api.views import answer
from server.core.clock import LOCAL_ZONE
from server.deputies import queries, record, service
from server.deputies.pdf import export_duty_record
from server.files import uploads
from server.people.rules import Role
from server.web.runtime import current_runtime

bp = MinyiBlueprint("api_deputies", __name__, tag="deputies")


def this_year(year: int | None) -> int:
    return year or current_runtime().clock.now().astimezone(LOCAL_ZONE).year


@bp.get("/deputies/mine", summary="找代表：我的人大代表、联络站和最近的接待日", responses={200: MyDeputies})
@roles(RESIDENTS)
def my_deputies():
    return answer(MyDeputies, queries.my_deputies(current_runtime().uow(), person_id=current_person_id()))


@bp.get("/deputies", summary="本街道的人大代表（区人大常委会可按街道筛选）", responses={200: DeputyList})
@roles(STAFF)
def list_deputies(query: StationQuery):
    items = queries.street_deputies(current_runtime().uow(), actor_id=current_person_id(), street_id=query.street_id)
    return answer(DeputyList, {"items": items})


@bp.patch("/deputies/<int:deputy_id>/profile", summary="修改代表资料（街道：职务、联络站、选区；代表本人：简介）",
          responses={200: Ok, **errors(403, 404)})
@roles(Role.deputy, *OFFICES)
def edit_profile(path: DeputyPath, body: DeputyProfileIn):
    service.update_deputy_profile(current_runtime().uow(), actor_id=current_person_id(), deputy_id=path.deputy_id,
                                  **body.model_dump(exclude_unset=True))
    return answer(Ok, {})


@bp.get("/deputies/<int:deputy_id>/record", summary="履职档案（年度）：数据、积分、进站接待、自主履职记录",
        responses={200: DutyRecordOut, **errors(403, 404)})
@roles(Role.deputy, *OFFICES)
def duty_record(path: DeputyPath, query: YearQuery):
    data = record.duty_record(current_runtime().uow(), actor_id=current_person_id(), deputy_id=path.deputy_id,
                              year=this_year(query.year))
    return answer(DutyRecordOut, data)


@bp.get("/deputies/<int:deputy_id>/record.pdf", summary="履职档案 PDF（述职用）",
        responses={200: {"description": "the year's duty record",
                         "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}},
                   **errors(403, 404)})
@roles(Role.deputy, *OFFICES)
def duty_record_pdf(path: DeputyPath, query: YearQuery):
    year = this_year(query.year)
    data = export_duty_record(current_runtime().uow(), actor_id=current_person_id(), deputy_id=path.deputy_id,
                              year=year)
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="duty-record-{path.deputy_id}-{year}.pdf"'
    return response


@bp.post("/deputies/me/entries", summary="新增自主履职记录（会议、培训、走访），可附照片",
         responses={201: EntryOut, **errors(403)})
@roles(Role.deputy)
def add_entry(body: EntryIn):
    rt = current_runtime()
    person_id = current_person_id()
    photos = uploads.require_own_uploads(rt.uow(), person_id=person_id, attachment_ids=body.attachment_ids)
    entry = service.add_duty_entry(rt.uow(), actor_id=person_id, kind=body.kind, title=body.title,
                                   happened_on=body.happened_on, place=body.place, note=body.note,
                                   attachment_ids=photos)
    data = record.duty_record(rt.uow(), actor_id=person_id, deputy_id=person_id, year=entry.happened_on.year)
    return answer(EntryOut, next(item for item in data["entries"] if item["id"] == entry.id), 201)


@bp.get("/deputies/ranking", summary="代表履职排名（区人大常委会看全区，街道看本街道；不公开）",
        responses={200: RankingOut})
@roles(OFFICES)
def ranking(query: RankingQuery):
    data = record.deputy_ranking(current_runtime().uow(), actor_id=current_person_id(), year=this_year(query.year),
                                 street_id=query.street_id)
    return answer(RankingOut, data)


@bp.get("/deputies/score-weights", summary="履职积分公式和各项权重", responses={200: WeightsOut})
@roles(STAFF)
def weights():
    return answer(WeightsOut, record.weights_and_formula(current_runtime().uow()))


@bp.put("/deputies/score-weights", summary="修改履职积分权重（区人大常委会）", responses={200: WeightsOut})
@roles(Role.district_committee)
def set_weights(body: WeightsIn):
    rt = current_runtime()
    service.set_duty_weights(rt.uow(), actor_id=current_person_id(), weights=body.weights,
                             known=set(record.score_items()))
    return answer(WeightsOut, record.weights_and_formula(rt.uow()))
