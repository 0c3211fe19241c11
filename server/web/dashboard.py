"""The panoramic window (全景视窗): public figures and the colour-banded street ranking.

A page view reads the ranking snapshot the scheduler refreshes every few minutes (a few rows), and
says when it was computed; see `server.statistics.service`.
"""
from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, jsonify, render_template

from server.statistics.service import street_ranking
from server.web.runtime import current_runtime

bp = Blueprint("dashboard", __name__)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _figures():
    runtime = current_runtime()
    ranking = street_ranking(runtime.uow())
    totals = {key: sum(row[key] for row in ranking.streets) for key in ("cases", "open", "overdue", "resolved")}
    return ranking, totals


@bp.get("/dashboard")
def dashboard_page():
    ranking, totals = _figures()
    return render_template("dashboard.html", ranking=ranking.streets, totals=totals,
                           computed_at=ranking.computed_at.astimezone(SHANGHAI))


@bp.get("/dashboard.json")
def dashboard_json():
    ranking, totals = _figures()
    return jsonify(generated_at=ranking.computed_at.astimezone(SHANGHAI).isoformat(),
                   since=ranking.since.astimezone(SHANGHAI).isoformat(), totals=totals, streets=ranking.streets)
