"""The API's error documents: the one shape of server/web/errors.py, described for OpenAPI."""
from __future__ import annotations

from typing import Any

from flask import Response
from pydantic import BaseModel, Field
from pydantic import ValidationError as PydanticValidationError

from miniapp_api.schemas.common import TEXT_LABELS
from server.web.errors import error_response


class ErrorBody(BaseModel):
    code: str = Field(description="stable English code for programs, e.g. invalid_transition")
    message: str = Field(description="Chinese message for people")
    details: dict[str, Any] = Field(default_factory=dict)


class ErrorResponse(BaseModel):
    """Every 4xx/5xx answer of the API has this shape."""

    error: ErrorBody


def errors(*statuses: int) -> dict[int, type[ErrorResponse]]:
    """`responses={200: Model, **errors(404, 409)}` documents those statuses with the error shape."""
    return {status: ErrorResponse for status in statuses}


def validation_error(exc: PydanticValidationError) -> Response:
    """Request validation failures, in the common shape (flask-openapi3 aborts with this response)."""
    problems = [{"field": ".".join(str(part) for part in error["loc"]), "type": error["type"], "message": error["msg"]}
                for error in exc.errors(include_url=False, include_context=False, include_input=False)]
    body, status = error_response("invalid_input", _text_message(exc) or "请求参数不正确，请检查后重试", 422,
                                  {"errors": problems})
    body.status_code = status
    return body


def _text_message(exc: PydanticValidationError) -> str | None:
    """The services' own words for a blank or too long text the schema refused first."""
    for error in exc.errors(include_url=False):
        loc = error["loc"]
        label = TEXT_LABELS.get((exc.title, str(loc[0]))) if len(loc) == 1 else None
        if label is None:
            continue
        if error["type"] in ("missing", "string_too_short", "string_pattern_mismatch"):
            return f"请填写{label}"
        if error["type"] == "string_too_long" and isinstance(error.get("input"), str):
            limit = error.get("ctx", {}).get("max_length")
            return f"{label}不能超过 {limit} 字（现在 {len(error['input'])} 字）"
    return None
