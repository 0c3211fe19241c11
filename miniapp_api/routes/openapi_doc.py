"""GET /api/v1/openapi.json: the OpenAPI 3.1 document generated from the request/response models."""
from __future__ import annotations

from flask import current_app, jsonify

from miniapp_api.blueprint import MinyiBlueprint

bp = MinyiBlueprint("api_openapi", __name__, tag="meta", public=True, doc_ui=False)


@bp.get("/openapi.json", doc_ui=False)
def openapi_json():
    return jsonify(current_app.api_doc)
