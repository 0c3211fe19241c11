"""The sandbox plays any WeChat user and injects faults: only in development and tests, or for a
signed-in district administrator. Its WeChat side stays open (it checks its own secret and tokens)."""
from __future__ import annotations

import pytest

from server import create_app
from server.core.runtime import build_runtime
from server.core.settings import load_settings
from server.people import sessions as api_sessions

CONTROLS = [
    ("POST", "/sandbox/user/send", {"openid": "o-attacker", "type": "text", "content": "绑定 123456"}),
    ("POST", "/sandbox/user/raw", {"body": "<xml></xml>"}),
    ("GET", "/sandbox/user/pushes?openid=o-victim", None),
    ("GET", "/sandbox/api/calls", None),
    ("DELETE", "/sandbox/api/calls", None),
    ("GET", "/sandbox/api/faults", None),
    ("POST", "/sandbox/api/faults", {"path": "cgi-bin/message/template/send", "mode": "http500", "times": 1}),
    ("DELETE", "/sandbox/api/faults", None),
    ("POST", "/sandbox/api/tokens/revoke", {}),
    ("POST", "/sandbox/api/users", {"openid": "o-victim", "following": False}),
    ("POST", "/sandbox/api/media", None),
]


@pytest.fixture
def demo_deployment(database_url, engine, clock, tmp_path, world):
    """Production with MINYI_SANDBOX=1: a public demo, where anyone can reach the server."""
    settings = load_settings({"DATABASE_URL": database_url, "MINYI_INSTANCE_DIR": str(tmp_path / "instance"),
                              "MINYI_ENV": "production", "MINYI_SANDBOX": "1",
                              "MINYI_SECRET_KEY": "a-production-secret-for-this-test"})
    runtime = build_runtime(settings, clock=clock, engine=engine)
    return create_app(settings, runtime=runtime).test_client(), runtime


def call(client, method, path, body, token=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.open(path, method=method, json=body, headers=headers)


def test_in_a_production_demo_nobody_but_a_district_admin_drives_the_sandbox(demo_deployment, world):
    client, runtime = demo_deployment

    def token(person):
        return api_sessions.start_session(runtime.uow(), person_id=person.id, method="password").access_token

    office, deputy, resident = token(world.office("hubin")), token(world.person("严民强")), token(world.person("章小平"))
    admin = token(world.district())
    for method, path, body in CONTROLS:
        anonymous = call(client, method, path, body)
        assert anonymous.status_code == 401, (path, anonymous.get_json())
        assert anonymous.get_json()["error"]["code"] == "unauthorized"
        for who in (office, deputy, resident):
            refused = call(client, method, path, body, who)
            assert refused.status_code == 403, (path, refused.get_json())
        assert call(client, method, path, body, "forged.token").status_code == 401
        allowed = call(client, method, path, body, admin)
        assert allowed.status_code < 400 or allowed.status_code == 422, (path, allowed.status_code, allowed.get_data())
    # Nothing the refused callers asked for happened: the only fault injected was the admin's (then cleared).
    assert call(client, "GET", "/sandbox/api/faults", None, admin).get_json()["faults"] == []
    # The WeChat API the sandbox plays stays reachable, on its own terms (no secret, no token).
    wechat = client.get("/sandbox/api/cgi-bin/token?grant_type=client_credential&appid=x")
    assert wechat.status_code == 200 and wechat.get_json()["errcode"] == 41004


@pytest.mark.parametrize("env", ["development", "testing"])
def test_in_development_and_tests_the_sandbox_needs_no_sign_in(database_url, engine, clock, tmp_path, env):
    settings = load_settings({"DATABASE_URL": database_url, "MINYI_INSTANCE_DIR": str(tmp_path / "instance"),
                              "MINYI_ENV": env})
    client = create_app(settings, runtime=build_runtime(settings, clock=clock, engine=engine)).test_client()
    assert client.get("/sandbox/api/faults").status_code == 200
    assert client.post("/sandbox/api/faults", json={"path": "cgi-bin/token", "mode": "http500"}).status_code == 201
