"""The API's blueprint class: /api/v1 prefix, bearer security, documented error answers.

Every protected endpoint documents 401 and 422; an endpoint marked with `@roles(...)` also documents
403 and lists its roles under `x-roles`. Add resources by making a `MinyiBlueprint` and listing it in
`miniapp_api.register_api`.
"""
from __future__ import annotations

from typing import Any

from flask_openapi3 import APIBlueprint, Tag

from miniapp_api.auth import ROLES_ATTRIBUTE, authenticate_request
from miniapp_api.errors import ErrorResponse

API_PREFIX = "/api/v1"
BEARER = [{"bearer": []}]
SECURITY_SCHEMES = {"bearer": {"type": "http", "scheme": "bearer",
                               "description": "access_token from /api/v1/auth/login or /api/v1/auth/password"}}


def _operation_id(name: str, path: str, method: str, bp_name: str) -> str:
    return f"{bp_name.removeprefix('api_')}.{name}"


class MinyiBlueprint(APIBlueprint):
    def __init__(self, name: str, import_name: str, *, tag: str, public: bool = False, **kwargs: Any) -> None:
        responses = {422: ErrorResponse} if public else {401: ErrorResponse, 422: ErrorResponse}
        super().__init__(name, import_name, url_prefix=API_PREFIX, abp_tags=[Tag(name=tag)],
                         abp_security=None if public else BEARER, abp_responses=responses,
                         operation_id_callback=_operation_id, **kwargs)
        if not public:
            self.before_request(authenticate_request)

    def _collect_openapi_info(self, rule: str, func: Any, **kwargs: Any):
        allowed = getattr(func, ROLES_ATTRIBUTE, None)
        if allowed:
            kwargs["responses"] = {403: ErrorResponse, **(kwargs.get("responses") or {})}
            kwargs["openapi_extensions"] = {"x-roles": sorted(role.value for role in allowed),
                                            **(kwargs.get("openapi_extensions") or {})}
        return super()._collect_openapi_info(rule, func, **kwargs)
