"""The API's error documents: the one shape of server/web/errors.py, described for OpenAPI."""
from __future__ import annotations

from typing import Any

from flask import Response
from pydantic import BaseModel, Field
from pydantic import ValidationError as PydanticValidationError

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
    body, status = error_response("invalid_input", "请求参数不正确，请检查后重试", 422, {"errors": problems})
    body.status_code = status
    return body
