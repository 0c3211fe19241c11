"""Reading and submitting cases: lists (scope-filtered), my inbox, one case with its timeline."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from miniapp_api.auth import OFFICES, RESIDENTS, STAFF, current_person_id, current_principal, roles
from miniapp_api.blueprint import MinyiBlueprint
from miniapp_api.errors import errors
from miniapp_api.pagination import InvalidCursorError, decode_cursor, encode_cursor
from miniapp_api.routes.uploads import attachment_url
from miniapp_api.schemas.cases import (
    CaseDetail,
    CaseListQuery,
    CasePage,
    CasePath,
    InboxQuery,
    LocationIn,
    RoutingOptions,
    SimilarCases,
    SubmitCaseIn,
)
from miniapp_api.views import answer
from server.cases import queries as case_queries
from server.cases import service as cases
from server.cases.queries import CaseFilter, CaseListPage
from server.cases.service import Location
from server.files import uploads
from server.privacy import service as privacy
from server.web.runtime import current_runtime

bp = MinyiBlueprint("api_cases", __name__, tag="cases")


def location(value: LocationIn | None) -> Location | None:
    return Location(value.label, value.latitude, value.longitude) if value is not None else None


def case_cursor(cursor: str | None) -> tuple[str, int] | None:
    key = decode_cursor(cursor)
    if key is None:
        return None
    moment, case_id = key
    try:
        datetime.fromisoformat(moment)
    except (TypeError, ValueError) as exc:
        raise InvalidCursorError("分页参数无效，请从第一页重新加载") from exc
    if not isinstance(case_id, int) or isinstance(case_id, bool):
        raise InvalidCursorError("分页参数无效，请从第一页重新加载")
    return moment, case_id


def page(result: CaseListPage, channel: str = "api.case_list"):
    record_contacts_shown(result.items, channel)
    return answer(CasePage, {"items": [with_urls(item) for item in result.items],
                             "next_cursor": encode_cursor(result.next_after)})


def record_contacts_shown(items: list[dict[str, Any]], channel: str) -> None:
    """Staff shown a reporter's name and phone leave a trace (PIPL): the console's audit log lists them."""
    principal = current_principal()
    if principal.role in RESIDENTS:
        return
    privacy.record_contact_views(current_runtime().uow(), viewer_id=principal.person.id, viewer_role=principal.role,
                                 channel=channel, shown=[(item["id"], item["reporter"]["id"]) for item in items
                                                         if item.get("reporter")])


def with_urls(item: dict[str, Any]) -> dict[str, Any]:
    for photo in item.get("attachments", []):
        photo["url"] = attachment_url(photo["id"])
    for event in item.get("timeline", []):
        for photo in event["attachments"]:
            photo["url"] = attachment_url(photo["id"])
    return item


def detail(case_id: int, status: int = 200):
    rt = current_runtime()
    data = case_queries.get_case_detail(rt.uow(), actor_id=current_person_id(), case_id=case_id)
    record_contacts_shown([data], "api.case_detail")
    return answer(CaseDetail, with_urls(data), status)


@bp.get("/cases", summary="我能看到的反映（居民：我的；代表：本片区；街道：本街道；承办单位：本单位；区：全部）",
        responses={200: CasePage})
def list_cases(query: CaseListQuery):
    filters = CaseFilter(state=query.state, overdue=query.overdue, category_id=query.category_id)
    return page(case_queries.list_cases(current_runtime().uow(), actor_id=current_person_id(), filters=filters,
                                        order=query.order, after=case_cursor(query.cursor), limit=query.limit))


@bp.get("/cases/inbox", summary="待我处理（代表待接收、街道研判队列、承办单位待办结、区提级、居民待评价），按期限排序",
        responses={200: CasePage})
@roles(RESIDENTS, STAFF)
def inbox(query: InboxQuery):
    return page(case_queries.list_cases(current_runtime().uow(), actor_id=current_person_id(),
                                        filters=CaseFilter(awaiting_me=True), order="deadline",
                                        after=case_cursor(query.cursor), limit=query.limit), "api.inbox")


@bp.post("/cases", summary="提交反映（文字、分类、位置、最多 9 张图片）", responses={201: CaseDetail})
@roles(RESIDENTS)
def submit(body: SubmitCaseIn):
    rt = current_runtime()
    person_id = current_person_id()
    photo_ids = uploads.require_own_uploads(rt.uow(), person_id=person_id, attachment_ids=body.attachment_ids)
    case = cases.submit_case(rt.uow(), reporter_id=person_id, description=body.description,
                             street_id=body.street_id, community_id=body.community_id, category_id=body.category_id,
                             location=location(body.location), attachment_ids=photo_ids,
                             contact_consent=body.contact_consent, source="miniapp")
    return detail(case.id, 201)


@bp.get("/cases/<int:case_id>", summary="反映详情（时间线、图片、办理反馈）", responses={200: CaseDetail, **errors(404)})
def get_case(path: CasePath):
    return detail(path.case_id)


@bp.get("/cases/<int:case_id>/similar", summary="可能重复的反映（同街道7天内：同类且相距200米内，或描述相似），供合并",
        responses={200: SimilarCases, **errors(404)})
@roles(OFFICES)
def similar(path: CasePath):
    items = case_queries.similar_cases(current_runtime().uow(), actor_id=current_person_id(), case_id=path.case_id)
    record_contacts_shown(items, "api.similar_cases")
    return answer(SimilarCases, {"items": items})


@bp.get("/cases/<int:case_id>/routing-options", summary="可流转的承办单位（规则建议的排在最前）",
        responses={200: RoutingOptions, **errors(404)})
@roles(OFFICES)
def routing_options(path: CasePath):
    items = case_queries.routing_options(current_runtime().uow(), actor_id=current_person_id(), case_id=path.case_id)
    return answer(RoutingOptions, {"items": items})


