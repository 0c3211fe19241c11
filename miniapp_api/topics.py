"""Deliberation halls over HTTP: organizers run topics, residents read, post and support.

Each view checks the token and role (blueprint), validates the body (schemas/topics.py) and calls one
service in server.halls.service / opinions / topic_outcomes / topic_queries / posters.
"""
from __future__ import annotations

from flask import Response

from miniapp_api.auth import OFFICES, RESIDENTS, current_person_id, roles
from miniapp_api.blueprint import MinyiBlueprint
from miniapp_api.errors import errors
from miniapp_api.pagination import decode_cursor, encode_cursor
from miniapp_api.schemas.common import Ok, PageQuery
from miniapp_api.schemas.topics import (
    CaseRef,
    CloseTopicIn,
    ConcludeTopicIn,
    CreateTopicIn,
    EditTopicIn,
    ExtendTopicIn,
    HideOpinionIn,
    OpinionCaseBody,
    OpinionListQuery,
    OpinionOut,
    OpinionPage,
    OpinionPath,
    PinOpinionIn,
    PosterQuery,
    PostOpinionIn,
    QrCodeQuery,
    ReplyOpinionIn,
    SubscribeIn,
    SubscriptionOut,
    TopicDetail,
    TopicFigures,
    TopicListQuery,
    TopicPage,
    TopicPath,
)
from miniapp_api.views import answer
from server.core.errors import NotFoundError, ValidationError
from server.files import uploads
from server.halls import (
    opinions,
    posters,
)
from server.halls import (
    outcomes as topic_outcomes,
)
from server.halls import (
    queries as topic_queries,
)
from server.halls import (
    service as topics,
)
from server.halls.outcomes import OpinionCase
from server.web.runtime import current_runtime

bp = MinyiBlueprint("api_topics", __name__, tag="topics")
ORGANIZER_ERRORS = {200: TopicDetail, **errors(403, 404, 409)}
OPINION_ERRORS = {200: OpinionOut, **errors(403, 404, 409)}


def offset_of(cursor: str | None) -> int:
    """Opinions re-sort as supports change, so the cursor carries a position rather than a row key."""
    key = decode_cursor(cursor)
    if key is None:
        return 0
    kind, offset = key
    if kind != "o" or not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
        raise ValidationError("分页参数无效，请从第一页重新加载", details={"field": "cursor"})
    return offset


def paged(model, result: dict):
    nxt = result["next_offset"]
    return answer(model, {"items": result["items"], "total": result["total"],
                          "next_cursor": encode_cursor(("o", nxt)) if nxt is not None else None})


def topic_detail(topic_id: int, status: int = 200):
    view = topic_queries.get_topic(current_runtime().uow(), topic_id=topic_id, viewer_id=current_person_id())
    return answer(TopicDetail, view, status)


def require_organizer(topic_id: int) -> None:
    """Figures, posters and QR codes are the organizers' tools: the topic's street office or the
    district. Another street's office learns nothing, not even that the topic exists (404)."""
    view = topic_queries.get_topic(current_runtime().uow(), topic_id=topic_id, viewer_id=current_person_id())
    if not view["can_organize"]:
        raise NotFoundError("找不到该议题", details={"topic_id": topic_id})


def opinion_detail(opinion_id: int, status: int = 200):
    view = topic_queries.get_opinion_view(current_runtime().uow(), opinion_id=opinion_id, viewer_id=current_person_id())
    return answer(OpinionOut, view, status)


# --- Reading (everyone signed in) -------------------------------------------------------------

@bp.get("/topics", summary="议题列表（最新在前；未开放的只有组织方可见）", responses={200: TopicPage})
def list_topics(query: TopicListQuery):
    result = topic_queries.list_topics(current_runtime().uow(), viewer_id=current_person_id(),
                                       state=query.state.value if query.state else None, street_id=query.street_id,
                                       offset=offset_of(query.cursor), limit=query.limit)
    return paged(TopicPage, result)


@bp.get("/topics/near-me", summary="我附近正在征集意见的议题（本街道、本社区）", responses={200: TopicPage})
def near_me(query: PageQuery):
    items = topic_queries.open_topics_near(current_runtime().uow(), person_id=current_person_id(), limit=query.limit)
    return answer(TopicPage, {"items": items, "total": len(items), "next_cursor": None})


@bp.get("/topics/<int:topic_id>", summary="议题详情（背景、附件、结果）", responses={200: TopicDetail, **errors(404)})
def get_topic(path: TopicPath):
    return topic_detail(path.topic_id)


@bp.get("/topics/<int:topic_id>/opinions", summary="议题的意见（置顶在前，按附议数或时间排序）",
        responses={200: OpinionPage, **errors(404)})
def list_opinions(path: TopicPath, query: OpinionListQuery):
    result = topic_queries.list_opinions(current_runtime().uow(), topic_id=path.topic_id, viewer_id=current_person_id(),
                                         sort=query.sort, offset=offset_of(query.cursor), limit=query.limit)
    return paged(OpinionPage, result)


# --- Residents: post, support, withdraw, opt in --------------------------------------------------

@bp.post("/topics/<int:topic_id>/opinions", summary="发表意见（≤2000 字，最多 9 张图片；仅征集中的议题）",
         responses={201: OpinionOut, **errors(403, 404, 409)})
@roles(RESIDENTS)
def post_opinion(path: TopicPath, body: PostOpinionIn):
    rt = current_runtime()
    # A topic the caller may not read is not found, before any rule about its state can name it.
    topic_queries.get_topic(rt.uow(), topic_id=path.topic_id, viewer_id=current_person_id())
    photo_ids = uploads.require_own_uploads(rt.uow(), person_id=current_person_id(), attachment_ids=body.attachment_ids)
    opinion = opinions.post_opinion(rt.uow(), author_id=current_person_id(), topic_id=path.topic_id,
                                    text=body.text, attachment_ids=photo_ids, source="miniapp")
    return opinion_detail(opinion.id, 201)


@bp.post("/opinions/<int:opinion_id>/support", summary="附议（每人每条一次）", responses=OPINION_ERRORS)
@roles(RESIDENTS)
def support(path: OpinionPath):
    opinions.support_opinion(current_runtime().uow(), person_id=current_person_id(), opinion_id=path.opinion_id)
    return opinion_detail(path.opinion_id)


@bp.delete("/opinions/<int:opinion_id>/support", summary="撤回附议", responses=OPINION_ERRORS)
@roles(RESIDENTS)
def withdraw(path: OpinionPath):
    opinions.withdraw_support(current_runtime().uow(), person_id=current_person_id(), opinion_id=path.opinion_id)
    return opinion_detail(path.opinion_id)


@bp.post("/topics/subscription", summary="订阅：街道开放新议题时通知我", responses={200: SubscriptionOut})
@roles(RESIDENTS)
def subscribe(body: SubscribeIn):
    street_id = topics.subscribe_topics(current_runtime().uow(), person_id=current_person_id(), street_id=body.street_id)
    return answer(SubscriptionOut, {"street_id": street_id})


@bp.delete("/topics/subscription", summary="取消订阅新议题通知", responses={200: Ok})
@roles(RESIDENTS)
def unsubscribe():
    topics.unsubscribe_topics(current_runtime().uow(), person_id=current_person_id())
    return answer(Ok, {"ok": True})


# --- Organizers: street office of the topic's street, or the district committee ---------------

@bp.post("/topics", summary="创建议题（草稿；设开放时间则到时自动开放）", responses={201: TopicDetail, **errors(403)})
@roles(OFFICES)
def create_topic(body: CreateTopicIn):
    rt = current_runtime()
    files = uploads.require_own_uploads(rt.uow(), person_id=current_person_id(), attachment_ids=body.attachment_ids)
    topic = topics.create_topic(rt.uow(), actor_id=current_person_id(), title=body.title, background=body.background,
                                street_id=body.street_id, community_id=body.community_id, opens_at=body.opens_at,
                                closes_at=body.closes_at, attachment_ids=files)
    return topic_detail(topic.id, 201)


@bp.patch("/topics/<int:topic_id>", summary="修改草稿议题", responses=ORGANIZER_ERRORS)
@roles(OFFICES)
def edit_topic(path: TopicPath, body: EditTopicIn):
    rt = current_runtime()
    files = None
    if body.attachment_ids is not None:
        files = uploads.require_own_uploads(rt.uow(), person_id=current_person_id(), attachment_ids=body.attachment_ids)
    topics.edit_topic(rt.uow(), actor_id=current_person_id(), topic_id=path.topic_id, title=body.title,
                      background=body.background, street_id=body.street_id, community_id=body.community_id,
                      opens_at=body.opens_at, clear_opens_at=body.clear_opens_at, closes_at=body.closes_at,
                      attachment_ids=files)
    return topic_detail(path.topic_id)


@bp.post("/topics/<int:topic_id>/open", summary="立即开放议题", responses=ORGANIZER_ERRORS)
@roles(OFFICES)
def open_topic(path: TopicPath):
    topics.open_topic(current_runtime().uow(), actor_id=current_person_id(), topic_id=path.topic_id)
    return topic_detail(path.topic_id)


@bp.post("/topics/<int:topic_id>/close", summary="提前截止议题", responses=ORGANIZER_ERRORS)
@roles(OFFICES)
def close_topic(path: TopicPath, body: CloseTopicIn):
    topics.close_topic(current_runtime().uow(), actor_id=current_person_id(), topic_id=path.topic_id, note=body.note)
    return topic_detail(path.topic_id)


@bp.post("/topics/<int:topic_id>/extend", summary="延期（须说明原因）", responses=ORGANIZER_ERRORS)
@roles(OFFICES)
def extend_topic(path: TopicPath, body: ExtendTopicIn):
    topics.extend_topic(current_runtime().uow(), actor_id=current_person_id(), topic_id=path.topic_id,
                        closes_at=body.closes_at, reason=body.reason)
    return topic_detail(path.topic_id)


@bp.post("/topics/<int:topic_id>/conclude", summary="公布结果：采纳意见、转为民情民意事项、后续事项",
         responses=ORGANIZER_ERRORS)
@roles(OFFICES)
def conclude_topic(path: TopicPath, body: ConcludeTopicIn):
    topic_outcomes.conclude_topic(
        current_runtime().uow(), actor_id=current_person_id(), topic_id=path.topic_id, summary=body.summary,
        adopted_opinion_ids=body.adopted_opinion_ids,
        case_requests=[OpinionCase(item.opinion_id, item.unit_id) for item in body.cases], follow_ups=body.follow_ups)
    return topic_detail(path.topic_id)


@bp.get("/topics/<int:topic_id>/figures", summary="议题数据：参与人数、意见、附议、采纳、转办",
        responses={200: TopicFigures, **errors(403, 404)})
@roles(OFFICES)
def figures(path: TopicPath):
    require_organizer(path.topic_id)
    return answer(TopicFigures, topic_outcomes.topic_figures(current_runtime().uow(), topic_id=path.topic_id))


def _binary(description: str, *types: str) -> dict:
    return {"description": description,
            "content": {t: {"schema": {"type": "string", "format": "binary"}} for t in types}}


def _gateway(rt):
    """WeChat makes the code only with real credentials; otherwise the code links to the topic's page."""
    return rt.wechat if rt.settings.wechat_configured else None


def _file(data: bytes, fmt: str, name: str) -> Response:
    response = Response(data, mimetype=posters.FORMATS[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@bp.get("/topics/<int:topic_id>/poster", summary="下载海报（A4，PDF 或 PNG）",
        responses={200: _binary("the A4 poster", "application/pdf", "image/png"), **errors(403, 404)})
@roles(OFFICES)
def poster(path: TopicPath, query: PosterQuery):
    fmt = query.format or "pdf"
    rt = current_runtime()
    require_organizer(path.topic_id)
    data = posters.topic_poster(rt.uow(), topic_id=path.topic_id, fmt=fmt, gateway=_gateway(rt))
    return _file(data, fmt, f"topic-{path.topic_id}-poster")


@bp.get("/topics/<int:topic_id>/qrcode", summary="议题二维码（PNG 或 SVG）",
        responses={200: _binary("the QR code", "image/png", "image/svg+xml"), **errors(403, 404)})
@roles(OFFICES)
def qrcode(path: TopicPath, query: QrCodeQuery):
    fmt = query.format or "png"
    rt = current_runtime()
    require_organizer(path.topic_id)
    data = posters.topic_qr(rt.uow(), topic_id=path.topic_id, fmt=fmt, gateway=_gateway(rt))
    return _file(data, fmt, f"topic-{path.topic_id}-qrcode")


@bp.post("/opinions/<int:opinion_id>/hide", summary="隐藏意见（须说明原因；作者仍可见）", responses=OPINION_ERRORS)
@roles(OFFICES)
def hide(path: OpinionPath, body: HideOpinionIn):
    opinions.hide_opinion(current_runtime().uow(), actor_id=current_person_id(), opinion_id=path.opinion_id, reason=body.reason)
    return opinion_detail(path.opinion_id)


@bp.post("/opinions/<int:opinion_id>/pin", summary="置顶或取消置顶（每个议题置顶一条）", responses=OPINION_ERRORS)
@roles(OFFICES)
def pin(path: OpinionPath, body: PinOpinionIn):
    opinions.pin_opinion(current_runtime().uow(), actor_id=current_person_id(), opinion_id=path.opinion_id,
                         pinned=body.pinned)
    return opinion_detail(path.opinion_id)


@bp.post("/opinions/<int:opinion_id>/reply", summary="回复意见", responses=OPINION_ERRORS)
@roles(OFFICES)
def reply(path: OpinionPath, body: ReplyOpinionIn):
    opinions.reply_to_opinion(current_runtime().uow(), actor_id=current_person_id(), opinion_id=path.opinion_id, text=body.text)
    return opinion_detail(path.opinion_id)


@bp.post("/opinions/<int:opinion_id>/case", summary="将意见转为民情民意事项（可直接流转承办单位）",
         responses={201: CaseRef, **errors(403, 404, 409)})
@roles(OFFICES)
def make_case(path: OpinionPath, body: OpinionCaseBody):
    case = topic_outcomes.create_case_from_opinion(current_runtime().uow(), actor_id=current_person_id(),
                                                   opinion_id=path.opinion_id, unit_id=body.unit_id)
    return answer(CaseRef, {"case_id": case.id, "tracking_number": case.tracking_number,
                            "opinion_id": path.opinion_id}, 201)
