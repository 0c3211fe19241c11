"""The mini-program REST API at /api/v1: a thin HTTP layer over the feature packages (server.cases, server.halls, …).

Requests are validated and the OpenAPI 3.1 document (/api/v1/openapi.json) is generated from the same
pydantic models by flask-openapi3; see miniapp_api/README.md.
"""
from __future__ import annotations

from typing import Any

from flask_openapi3 import Info

from miniapp_api.blueprint import API_PREFIX, SECURITY_SCHEMES, MinyiBlueprint
from miniapp_api.errors import ErrorResponse, validation_error

__all__ = ["API_PREFIX", "MinyiBlueprint", "openapi_options", "register_api"]


def openapi_options() -> dict[str, Any]:
    """Keyword arguments for flask_openapi3.OpenAPI (the Flask app class) in create_app."""
    return dict(
        info=Info(title="Minyi mini-program API", version="1.0.0",
                  description="民意小程序接口：登录、反映、代表、街道、承办单位、区人大常委会。"),
        security_schemes=SECURITY_SCHEMES, doc_ui=False, validation_error_status=422,
        validation_error_model=ErrorResponse, validation_error_callback=validation_error,
    )


def blueprints() -> list[MinyiBlueprint]:
    # Imported here so that nothing is built at import time of the package.
    from miniapp_api import topics
    from miniapp_api.routes import (
        auth,
        case_actions,
        cases,
        deputies,
        linkage,
        me,
        receptions,
        reference,
        stations,
        uploads,
    )

    return [auth.public, auth.bp, me.bp, reference.bp, uploads.bp, cases.bp, case_actions.bp, topics.bp, linkage.bp,
            stations.bp, deputies.bp, receptions.bp]


def register_api(app) -> None:
    """Register every API blueprint on the OpenAPI app, then the document route."""
    from miniapp_api import http_policy
    from miniapp_api.routes import openapi_doc

    http_policy.install(app)
    for blueprint in blueprints():
        app.register_api(blueprint)
    app.register_api(openapi_doc.bp)
