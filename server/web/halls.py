"""The public page of a hall (/halls/<id>), which the poster's QR code opens outside WeChat; read-only."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, render_template

from server.core.clock import LOCAL_ZONE
from server.core.errors import NotFoundError
from server.halls import queries as topic_queries
from server.web.runtime import current_runtime

bp = Blueprint("halls_web", __name__)


def local_time(value: str | None) -> str:
    if not value:
        return ""
    return datetime.fromisoformat(value).astimezone(LOCAL_ZONE).strftime("%Y年%m月%d日 %H:%M")


@bp.get("/halls/<int:topic_id>")
def topic_page(topic_id: int):
    uow = current_runtime().uow()
    try:
        topic = topic_queries.get_topic(uow, topic_id=topic_id)
        opinions = topic_queries.list_opinions(uow, topic_id=topic_id, sort="supports", limit=100)
    except NotFoundError:
        return render_template("hall_topic.html", topic=None, local_time=local_time), 404
    return render_template("hall_topic.html", topic=topic, opinions=opinions, local_time=local_time)
