"""A case's public page (/c/<id>-<signature>), linked from the resolution push: the result and the
unit's photos, personal numbers masked, nobody's name; a wrong signature is simply not found."""
from __future__ import annotations

from flask import Blueprint, Response, abort, render_template

from server.cases import public
from server.core.errors import NotFoundError
from server.web.runtime import current_runtime

bp = Blueprint("case_page", __name__)
STATE_TAGS = {"submitted": "grey", "accepted": "blue", "routed": "blue", "reopened": "blue", "escalated": "blue",
              "resolved": "green", "closed": "green", "rejected": "dark", "merged": "dark"}


def _case_id(token: str) -> int:
    case_id = public.case_id_from_token(current_runtime().settings, token)
    if case_id is None:
        abort(404)
    return case_id


def _private(response: Response) -> Response:
    # The link is the only key: keep it out of search engines and out of other sites' Referer headers.
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.get("/c/<token>")
def case_page(token: str):
    runtime = current_runtime()
    case_id = public.case_id_from_token(runtime.settings, token)
    try:
        case = public.get_public_case(runtime.uow(), case_id=case_id) if case_id is not None else None
    except NotFoundError:
        case = None
    now = runtime.clock.now()
    html = render_template("case_public.html", case=case, token=token, tag=STATE_TAGS.get(case["state"]) if case
                           else None, local_time=lambda value: public.local_time(value, now),
                           generated_at=public.local_time(now, now))
    return _private(Response(html, status=200 if case else 404, mimetype="text/html"))


@bp.get("/c/<token>/photos/<int:attachment_id>")
def feedback_photo(token: str, attachment_id: int):
    runtime = current_runtime()
    photo = public.get_feedback_photo(runtime.uow(), case_id=_case_id(token), attachment_id=attachment_id)
    response = Response(runtime.storage.get(photo.sha256), mimetype=photo.content_type)
    response.headers["Cache-Control"] = "private, max-age=86400"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return _private(response)
