"""The panoramic window (全景视窗): public figures and the colour-banded street ranking."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, jsonify, render_template

from server.services.statistics import rank_streets

bp = Blueprint("dashboard", __name__)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _figures():
    runtime = current_app.extensions["minyi"]
    ranking = rank_streets(runtime.uow())
    totals = {key: sum(row[key] for row in ranking) for key in ("cases", "open", "overdue", "resolved")}
    return ranking, totals, runtime.clock.now().astimezone(SHANGHAI)


@bp.get("/dashboard")
def dashboard_page():
    ranking, totals, now = _figures()
    return render_template("dashboard.html", ranking=ranking, totals=totals, now=now)


@bp.get("/dashboard.json")
def dashboard_json():
    ranking, totals, now = _figures()
    return jsonify(generated_at=now.isoformat(), totals=totals, streets=ranking)
