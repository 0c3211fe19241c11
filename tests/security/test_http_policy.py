"""Every body is bounded (413 with the JSON error shape, before it is parsed), the API's answers carry
nosniff and are never cached when they are personal, and every 405 says which methods are allowed."""
from __future__ import annotations

import json
import socket

from miniapp_api.http_policy import JSON_BODY_LIMIT


def test_sign_in_refuses_a_body_over_16_kb_before_parsing_it(client):
    body = json.dumps({"code": "x" * 20_000})
    for path in ("/api/v1/auth/login", "/api/v1/auth/password", "/api/v1/auth/refresh"):
        response = client.post(path, data=body, content_type="application/json")
        assert response.status_code == 413, path
        assert response.get_json()["error"]["code"] == "request_entity_too_large"
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_50_mb_sign_in_body_is_refused_after_its_headers(live_server):
    """Announced as 50 MB, sent only in part: the answer comes without the server waiting for the rest."""
    host, port = live_server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 52428800\r\n\r\n" + b"{" + b" " * 65536)
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413")
    assert json.loads(body)["error"]["message"] == "请求内容过大"


def test_every_json_endpoint_has_a_limit(world, sign_in):
    resident = sign_in(world.person("章小平"))
    big = json.dumps({"description": "路" * (JSON_BODY_LIMIT // 3 + 10)})
    response = resident.post("/cases", data=big, content_type="application/json")
    assert response.status_code == 413 and response.get_json()["error"]["code"] == "request_entity_too_large"
    assert resident.get("/cases").get_json()["items"] == []  # nothing was stored


def test_answers_to_a_signed_in_caller_are_not_cached_and_not_sniffed(world, sign_in, anonymous):
    me = sign_in(world.person("章小平"))
    for path in ("/me", "/cases", "/streets"):
        response = me.get(path)
        assert response.headers["Cache-Control"] == "no-store", path
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    document = anonymous.get("/openapi.json")
    assert document.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" not in document.headers.get("Cache-Control", "")


def test_every_405_says_which_methods_are_allowed(app, client):
    checked = 0
    for rule in app.url_map.iter_rules():
        if "<" in rule.rule and not rule.rule.startswith("/api/"):
            continue
        path = rule.rule.replace("<int:case_id>", "1").replace("<int:topic_id>", "1").replace(
            "<int:opinion_id>", "1").replace("<int:attachment_id>", "1")
        if "<" in path:
            continue
        allowed = app.url_map.bind("localhost").allowed_methods(path)
        method = next(m for m in ("PUT", "PATCH", "DELETE", "POST") if m not in allowed)
        response = client.open(path, method=method)
        assert response.status_code == 405, (method, path, response.status_code)
        assert allowed and set(response.headers["Allow"].split(", ")) == set(allowed), path
        if not path.startswith("/console"):  # the console answers with its own HTML page
            assert response.get_json()["error"]["code"] == "method_not_allowed"
        checked += 1
    assert checked >= 40
