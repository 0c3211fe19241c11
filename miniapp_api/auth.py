"""Who is calling: bearer-token authentication and role checks for every protected endpoint.

`@roles(Role.deputy, ...)` marks a view; the blueprint's before_request authenticates the token and
checks the marked roles BEFORE the body is validated, so the answer is 401, then 403, then 422.
Views read the caller with `current_principal()`.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable

from flask import current_app, g, request

from server.core.errors import PermissionDeniedError
from server.people import sessions as api_sessions
from server.people.rules import Role
from server.people.sessions import AuthenticationError, Principal
from server.web.runtime import current_runtime

ROLES_ATTRIBUTE = "api_roles"
RESIDENTS = (Role.resident, Role.council_member)
STAFF = (Role.deputy, Role.street_office, Role.handling_unit, Role.district_committee)
OFFICES = (Role.street_office, Role.district_committee)


def roles(*allowed: Role | Iterable[Role]) -> Callable:
    """Only these roles may call the view (others get 403); put it under the route decorator."""
    flat: set[Role] = set()
    for item in allowed:
        flat.update([item] if isinstance(item, Role) else item)

    def mark(func: Callable) -> Callable:
        setattr(func, ROLES_ATTRIBUTE, frozenset(flat))
        return func

    return mark


def authenticate_request() -> None:
    """before_request of protected blueprints: bearer token -> principal -> role check."""
    if request.method == "OPTIONS":
        return
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError("请先登录", details={"reason": "missing_token"})
    principal = api_sessions.authenticate(current_runtime().uow(), access_token=token.strip())
    g.minyi_principal = principal
    view = current_app.view_functions.get(request.endpoint or "")
    allowed = getattr(view, ROLES_ATTRIBUTE, None)
    if allowed and principal.role not in allowed:
        raise PermissionDeniedError("您的身份不能使用该功能", details={"role": principal.role.value})


def current_principal() -> Principal:
    principal = g.get("minyi_principal")
    if principal is None:  # a view of a public blueprint asked for a caller: a programming error
        raise RuntimeError("current_principal() used on an endpoint without authentication")
    return principal


def current_person_id() -> int:
    return current_principal().person.id
