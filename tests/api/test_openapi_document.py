"""The OpenAPI document: valid OpenAPI 3.1, every endpoint there, each with its errors documented."""
from __future__ import annotations

from openapi_spec_validator import validate

from miniapp_api import API_PREFIX


def test_the_document_is_valid_and_covers_every_api_route(app, anonymous):
    response = anonymous.get("/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    validate(document)
    assert document["openapi"].startswith("3.1")

    documented = {(method.upper(), path) for path, ops in document["paths"].items() for method in ops}
    routed = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(API_PREFIX) and rule.endpoint not in ("api_openapi.openapi_json", "api_docs.docs"):
            path = rule.rule.replace("<int:", "{").replace("<", "{").replace(">", "}")
            routed |= {(method, path) for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routed == documented


def test_every_operation_documents_its_errors_in_the_one_shape(anonymous):
    document = anonymous.get("/openapi.json").get_json()
    error_ref = "#/components/schemas/ErrorResponse"
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert any(code.startswith("2") for code in responses), (method, path)
            assert "422" in responses, (method, path)
            if operation.get("security"):
                assert "401" in responses, (method, path)
            if operation.get("x-roles"):
                assert "403" in responses, (method, path)
            for code, answer in responses.items():
                if code.startswith(("4", "5")):
                    assert answer["content"]["application/json"]["schema"]["$ref"] == error_ref, (method, path, code)
