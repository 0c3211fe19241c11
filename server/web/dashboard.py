"""The public panoramic window (全景视窗) at /dashboard, and the same figures as JSON.

No sign-in and no personal data: district figures, module counts, the street ranking with its colour
legend, the trend and the open halls, read from the daily roll-ups (`server.statistics.window`).
Charts are drawn by /static/dashboard.js from the page's `data-` attributes (no inline script).
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Blueprint, jsonify, render_template, request

from server.core.clock import LOCAL_ZONE
from server.core.errors import ValidationError
from server.statistics import texts
from server.statistics.rollup import local_day
from server.statistics.window import parse_period, public_window
from server.web.runtime import current_runtime

bp = Blueprint("dashboard", __name__)


def jsonable(value: Any) -> Any:
    """Dates as YYYY-MM-DD, moments in Beijing time, recursively."""
    if isinstance(value, datetime):
        return value.astimezone(LOCAL_ZONE).isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    return value


def _window():
    runtime = current_runtime()
    uow = runtime.uow()
    period = parse_period(request.args.get("from"), request.args.get("to"), local_day(uow.clock.now()))
    return public_window(uow, period)


@bp.get("/dashboard")
def dashboard_page():
    try:
        window, error = _window(), None
    except ValidationError as exc:
        runtime = current_runtime()
        window, error = public_window(runtime.uow()), exc.message
    updated = window["updated_at"].astimezone(LOCAL_ZONE) if window["updated_at"] else None
    charts = {"trend": window["trend"], "ranking": [{"name": row["name"], "score": row["score"], "band": row["band"]}
                                                    for row in window["ranking"]["rows"]]}
    return render_template("dashboard.html", w=window, updated=updated, error=error, texts=texts,
                           charts=jsonable(charts), first=date.fromisoformat(window["period"]["from"]),
                           last=date.fromisoformat(window["period"]["to"]),
                           board_date=window["board"]["frozen_at"].astimezone(LOCAL_ZONE) if window["board"] else None
                           ), 400 if error else 200


@bp.get("/dashboard.json")
def dashboard_json():
    try:
        window = _window()
    except ValidationError as exc:
        return jsonify(error=exc.code, message=exc.message, details=exc.details), 400
    return jsonify(jsonable(window))
