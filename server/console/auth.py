"""Who is signed in to the console: a server-side session row behind a signed cookie.

The cookie holds only the session's id and when the person was last seen. Every request reads the
session row and the account, so logging out, a disabled account (`revoke_person_sessions`) or a
quarter hour of idleness ends access at once.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from flask import abort, flash, g, redirect, request, session, url_for

from server.console.blueprint import bp, csrf
from server.people.rules import Role
from server.people.sessions import AuthenticationError, Principal, principal_for_session
from server.web.runtime import current_runtime

IDLE_TIMEOUT = timedelta(minutes=30)
STAFF_ROLES = frozenset({Role.deputy, Role.street_office, Role.handling_unit, Role.district_committee})
OPEN_ENDPOINTS = frozenset({"console.login", "console.static"})


def current_principal() -> Principal:
    return g.console_principal


def staff_required(*roles: Role) -> Callable:
    """Only these roles (any staff role when none are named) may open the view; others get 404."""
    allowed = frozenset(roles) or STAFF_ROLES

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any):
            if current_principal().role not in allowed:
                abort(404)
            return view(*args, **kwargs)
        return guarded
    return decorate


def _now() -> int:
    return int(current_runtime().clock.now().timestamp())  # the injected clock: tests move it


def sign_in(session_id: int) -> None:
    session.clear()
    session["console_sid"] = session_id
    session["seen"] = _now()
    session.permanent = False


def sign_out() -> int | None:
    session_id = session.get("console_sid")
    session.clear()
    return session_id


@bp.before_request
def _load_principal():
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    session_id = session.get("console_sid")
    if session_id is None:
        return redirect(url_for("console.login", next=request.full_path.rstrip("?")))
    if _now() - session.get("seen", 0) > IDLE_TIMEOUT.total_seconds():
        sign_out()
        flash("长时间未操作，请重新登录", "warning")
        return redirect(url_for("console.login", next=request.full_path.rstrip("?")))
    try:
        principal = principal_for_session(current_runtime().uow(), session_id=int(session_id))
    except AuthenticationError as exc:
        sign_out()
        flash(exc.message, "warning")
        return redirect(url_for("console.login"))
    if principal.role not in STAFF_ROLES:
        sign_out()
        abort(404)
    g.console_principal = principal
    session["seen"] = _now()
    return None
