"""`/api/v1/docs`: the mini-program API's reference, Swagger UI (from npm) over /api/v1/openapi.json."""
from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("api_docs", __name__)


@bp.get("/api/v1/docs")
def docs():
    return render_template("api_docs.html")
