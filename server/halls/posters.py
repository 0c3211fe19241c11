"""What a hall's QR code carries, and its poster: a WeChat parametric QR with real credentials, else a link."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from server.core.clock import LOCAL_ZONE
from server.core.errors import NotFoundError
from server.core.uow import UnitOfWork
from server.halls import poster_art as render
from server.halls.models import Topic
from server.places.models import Community, Street

FORMATS = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf"}


class QrGateway(Protocol):
    def create_qrcode(self, scene_str: str, *, permanent: bool = False) -> Any:
        """WeChat's qrcode/create with a string scene; the answer has `ticket` and `url`."""


def topic_scene(topic_id: int) -> str:
    return f"topic:{topic_id}"


def topic_page_url(public_url: str, topic_id: int) -> str:
    return f"{public_url}/halls/{topic_id}"


def _field(answer: Any, name: str) -> str:
    return str(answer[name] if isinstance(answer, Mapping) else getattr(answer, name))


def topic_qr_content(uow: UnitOfWork, *, topic_id: int, gateway: QrGateway | None = None) -> str:
    """The text in the topic's QR code. With real WeChat credentials and a gateway: the URL of a WeChat
    parametric QR code (scene `topic:<id>`), created once and cached on the topic; otherwise the link to
    the topic's web page, which needs no WeChat at all."""
    settings = uow.settings
    with uow.transaction() as session:
        topic = session.get(Topic, topic_id)
        if topic is None:
            raise NotFoundError("找不到该议题", details={"topic_id": topic_id})
        if gateway is None or settings is None or not settings.wechat_configured:
            return topic_page_url(settings.public_url if settings else "", topic_id)
        if topic.qr_url:
            return topic.qr_url
    # The WeChat call happens outside any transaction: no row stays locked while the network answers.
    # Permanent (QR_LIMIT_STR_SCENE): a printed poster must keep working after WeChat's 30-day limit.
    answer = gateway.create_qrcode(topic_scene(topic_id), permanent=True)
    with uow.transaction() as session:
        topic = session.get(Topic, topic_id, with_for_update=True)
        if not topic.qr_url:  # a concurrent request may have cached one; keep the first
            topic.qr_ticket, topic.qr_url = _field(answer, "ticket"), _field(answer, "url")
        return topic.qr_url


def _poster_text(uow: UnitOfWork, topic_id: int) -> render.PosterText:
    with uow.transaction() as session:
        topic = session.get(Topic, topic_id)
        if topic is None:
            raise NotFoundError("找不到该议题", details={"topic_id": topic_id})
        place = session.get(Street, topic.street_id).name
        if topic.community_id:
            place += " · " + session.get(Community, topic.community_id).name
        start = (topic.opens_at or topic.opened_at or topic.created_at).astimezone(LOCAL_ZONE)
        end = topic.closes_at.astimezone(LOCAL_ZONE)
        window = f"征集时间：{start:%Y年%m月%d日 %H:%M} 至 {end:%m月%d日 %H:%M}"
        return render.PosterText(title=topic.title, place=place, window=window)


def topic_qr(uow: UnitOfWork, *, topic_id: int, fmt: str = "png", gateway: QrGateway | None = None) -> bytes:
    """The topic's QR code alone, as PNG or SVG."""
    content = topic_qr_content(uow, topic_id=topic_id, gateway=gateway)
    return render.qr_svg(content) if fmt == "svg" else render.qr_png(content)


def topic_poster(uow: UnitOfWork, *, topic_id: int, fmt: str = "pdf", gateway: QrGateway | None = None) -> bytes:
    """The printable A4 poster: title, street, dates, the QR code and "扫码参与议事"; PDF or PNG."""
    content = topic_qr_content(uow, topic_id=topic_id, gateway=gateway)
    text = _poster_text(uow, topic_id)
    return render.poster_png(text, content) if fmt == "png" else render.poster_pdf(text, content)
