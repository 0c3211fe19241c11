"""What every answer of the app obeys, whatever view produced it: body-size limits, security headers
on the API, and `Allow` on every 405.

Body limits: the app's MAX_CONTENT_LENGTH (JSON_BODY_LIMIT) for every endpoint, smaller or larger ones
per endpoint prefix in ROUTE_LIMITS (uploads set their own in miniapp_api/routes/uploads.py). A body
over the limit is refused with 413 while it is read, before any of it is parsed.
"""
from __future__ import annotations

from flask import Flask, Response, current_app, request
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect

JSON_BODY_LIMIT = 1024 * 1024
# Endpoint name prefix -> the largest body it reads. Sign-in takes a code or a password: 16 KB is ample.
ROUTE_LIMITS = {
    "api_auth_public.": 16 * 1024,
    "api_auth.": 16 * 1024,
    # The sandbox's user side posts a photo as base64; its API side takes media uploads.
    "sandbox_user.": 16 * 1024 * 1024,
    "sandbox_api.": 16 * 1024 * 1024,
}
API_PREFIX = "/api/v1/"


def _limit_body() -> None:
    endpoint = request.endpoint or ""
    for prefix, limit in ROUTE_LIMITS.items():
        if endpoint.startswith(prefix):
            request.max_content_length = limit
            return


def _allowed_methods() -> list[str]:
    try:
        current_app.url_map.bind_to_environ(request.environ).match(method="__minyi_probe__")
    except MethodNotAllowed as exc:
        return sorted(exc.valid_methods or [])
    except (NotFound, RequestRedirect):
        return []
    return []


def _headers(response: Response) -> Response:
    if response.status_code == 405 and "Allow" not in response.headers:
        allowed = _allowed_methods()
        if allowed:
            response.headers["Allow"] = ", ".join(allowed)
    if request.path.startswith(API_PREFIX):
        response.headers["X-Content-Type-Options"] = "nosniff"
        # A signed-in caller's answers are personal data: no browser, proxy or CDN keeps a copy.
        if request.headers.get("Authorization"):
            response.headers["Cache-Control"] = "no-store"
            response.headers["Pragma"] = "no-cache"
    return response


def install(app: Flask) -> None:
    app.config["MAX_CONTENT_LENGTH"] = JSON_BODY_LIMIT
    app.before_request(_limit_body)
    app.after_request(_headers)
