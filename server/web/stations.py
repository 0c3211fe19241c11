"""The public page of a contact station (/stations/<id>): address, hours, the deputies' names and the
coming reception days; no personal data beyond the deputies' names."""
from __future__ import annotations

from flask import Blueprint, render_template

from server.core.clock import LOCAL_ZONE
from server.core.errors import NotFoundError
from server.deputies import queries
from server.web.runtime import current_runtime

bp = Blueprint("stations_web", __name__)


def computed(moment) -> str:
    return moment.astimezone(LOCAL_ZONE).strftime("%Y年%m月%d日 %H:%M")


@bp.get("/stations/<int:station_id>")
def station_page(station_id: int):
    try:
        station = queries.station_page(current_runtime().uow(), station_id=station_id)
    except NotFoundError:
        return render_template("station_public.html", station=None), 404
    return render_template("station_public.html", station=station, computed=computed(station["computed_at"]))
