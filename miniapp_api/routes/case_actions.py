"""Acting on a case: each endpoint checks visibility (404), then calls the one service that does it."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from miniapp_api.auth import OFFICES, RESIDENTS, current_person_id, roles
from miniapp_api.blueprint import MinyiBlueprint
from miniapp_api.errors import errors
from miniapp_api.routes.cases import detail, location
from miniapp_api.schemas.cases import (
    AddInfoIn,
    CaseDetail,
    CasePath,
    EscalateIn,
    ForwardIn,
    MergeIn,
    NoteIn,
    RateIn,
    RecategorizeIn,
    RejectIn,
    ResolveIn,
    RouteIn,
)
from server.cases import queries as case_queries
from server.cases import service as cases
from server.core.errors import ConflictError
from server.files import uploads
from server.people.rules import Role
from server.web.runtime import current_runtime

bp = MinyiBlueprint("api_case_actions", __name__, tag="case actions")
ACTION_ERRORS = {200: CaseDetail, **errors(403, 404, 409)}


def act(case_id: int, service: Callable[..., Any], **kwargs: Any):
    rt = current_runtime()
    person_id = current_person_id()
    case_queries.check_case_visible(rt.uow(), actor_id=person_id, case_id=case_id)
    service(rt.uow(), actor_id=person_id, case_id=case_id, **kwargs)
    return detail(case_id)


def own_photos(ids: list[int]) -> list[int]:
    return uploads.require_own_uploads(current_runtime().uow(), person_id=current_person_id(), attachment_ids=ids)


@bp.post("/cases/<int:case_id>/accept", summary="代表接收", responses=ACTION_ERRORS)
@roles(Role.deputy)
def accept(path: CasePath, body: NoteIn):
    return act(path.case_id, cases.accept_case, note=body.note)


@bp.post("/cases/<int:case_id>/forward", summary="代表转交街道人大办（附说明）", responses=ACTION_ERRORS)
@roles(Role.deputy)
def forward(path: CasePath, body: ForwardIn):
    return act(path.case_id, cases.forward_case, note=body.note)


@bp.post("/cases/<int:case_id>/category", summary="调整分类", responses=ACTION_ERRORS)
@roles(OFFICES)
def recategorize(path: CasePath, body: RecategorizeIn):
    return act(path.case_id, cases.recategorize_case, category_id=body.category_id)


@bp.post("/cases/<int:case_id>/route", summary="流转承办单位（提级后由区人大常委会流转）", responses=ACTION_ERRORS)
@roles(OFFICES)
def route(path: CasePath, body: RouteIn):
    return act(path.case_id, cases.route_case, unit_id=body.unit_id, note=body.note)


@bp.post("/cases/<int:case_id>/reject", summary="不予受理（须说明理由）", responses=ACTION_ERRORS)
@roles(OFFICES)
def reject(path: CasePath, body: RejectIn):
    return act(path.case_id, cases.reject_case, reason=body.reason)


@bp.post("/cases/<int:case_id>/merge", summary="合并重复反映", responses=ACTION_ERRORS)
@roles(OFFICES)
def merge(path: CasePath, body: MergeIn):
    if body.into_case_id == path.case_id:  # a well-formed request the case's state forbids: a conflict
        raise ConflictError("不能合并到自身", details={"field": "into_case_id"})
    case_queries.check_case_visible(current_runtime().uow(), actor_id=current_person_id(), case_id=body.into_case_id)
    return act(path.case_id, cases.merge_case, into_case_id=body.into_case_id, note=body.note)


@bp.post("/cases/<int:case_id>/escalate", summary="提级办理", responses=ACTION_ERRORS)
@roles(Role.street_office)
def escalate(path: CasePath, body: EscalateIn):
    return act(path.case_id, cases.escalate_case, reason=body.reason)


@bp.post("/cases/<int:case_id>/resolve", summary="承办单位办结（反馈文字与图片）", responses=ACTION_ERRORS)
@roles(Role.handling_unit)
def resolve(path: CasePath, body: ResolveIn):
    return act(path.case_id, cases.resolve_case, feedback=body.feedback,
               attachment_ids=own_photos(body.attachment_ids))


@bp.post("/cases/<int:case_id>/rating", summary="评价（满意、基本满意、不满意；不满意则重办）", responses=ACTION_ERRORS)
@roles(RESIDENTS)
def rate(path: CasePath, body: RateIn):
    return act(path.case_id, cases.rate_case, satisfaction=body.satisfaction, comment=body.comment)


@bp.post("/cases/<int:case_id>/info", summary="补充信息（文字、图片、位置）", responses=ACTION_ERRORS)
@roles(RESIDENTS)
def add_info(path: CasePath, body: AddInfoIn):
    return act(path.case_id, cases.add_case_info, text=body.text, attachment_ids=own_photos(body.attachment_ids),
               location=location(body.location))
