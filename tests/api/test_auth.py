"""Signing in: WeChat login through the sandbox over HTTP, staff passwords, refresh, logout, disabling."""
from __future__ import annotations

import pytest
import requests
from sqlalchemy import func, select, update

from server.people import sessions as api_sessions
from server.people.models import ApiSession, Person, WechatIdentity


def api(live_server, path: str) -> str:
    return f"{live_server.url}/api/v1{path}"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def count(runtime, model) -> int:
    with runtime.uow().transaction() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_a_wechat_code_signs_in_a_new_resident_and_the_same_user_again_later(live_server):
    first = requests.post(api(live_server, "/auth/login"), json={"code": "wx-code-1"}, timeout=10)
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["new_account"] is True and body["me"]["role"] == "resident" and body["token_type"] == "Bearer"
    assert body["expires_in"] == 7200 and body["expires_at"].endswith("+08:00")
    calls = requests.get(f"{live_server.url}/sandbox/api/calls", params={"path": "sns/jscode2session"},
                         timeout=10).json()["calls"]
    assert len(calls) == 1  # the login really went to (the sandbox's) WeChat
    with live_server.runtime.uow().transaction() as session:
        stored = session.scalar(select(ApiSession))
        assert stored.wechat_session_key and stored.wechat_openid
    assert stored.wechat_session_key not in first.text  # session_key never leaves the server

    again = requests.post(api(live_server, "/auth/login"), json={"code": "wx-code-1"}, timeout=10).json()
    assert again["new_account"] is False and again["me"]["id"] == body["me"]["id"]
    me = requests.get(api(live_server, "/me"), headers=bearer(again["access_token"]), timeout=10)
    assert me.status_code == 200 and me.json()["id"] == body["me"]["id"]
    assert count(live_server.runtime, WechatIdentity) == 1


def test_a_bad_wechat_code_is_refused_and_creates_nobody(live_server):
    response = requests.post(api(live_server, "/auth/login"), json={"code": "invalid"}, timeout=10)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "wechat_login_failed"
    assert count(live_server.runtime, Person) == 0


def test_wechat_being_down_is_a_clear_502(live_server):
    requests.post(f"{live_server.url}/sandbox/api/faults",
                  json={"path": "sns/jscode2session", "mode": "http500", "times": 1}, timeout=10)
    response = requests.post(api(live_server, "/auth/login"), json={"code": "wx-code-2"}, timeout=10)
    assert response.status_code == 502 and response.json()["error"]["code"] == "wechat_unavailable"
    assert requests.post(api(live_server, "/auth/login"), json={"code": "wx-code-2"}, timeout=10).status_code == 200


@pytest.fixture
def staff_world(live_server):
    from tests.factories import World

    return World.load(live_server.runtime)


def password_login(live_server, username: str, password: str = "minyi-demo"):
    return requests.post(api(live_server, "/auth/password"), json={"username": username, "password": password},
                         timeout=10)


def test_staff_sign_in_with_their_password(live_server, staff_world):
    response = password_login(live_server, "hubin-deputy1")
    assert response.status_code == 200, response.text
    assert response.json()["me"]["name"] == "严民强" and response.json()["me"]["street"]["name"] == "湖滨街道"
    wrong = password_login(live_server, "hubin-deputy1", "guess")
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "invalid_credentials"
    assert password_login(live_server, "nobody").json()["error"]["message"] == "用户名或密码不正确"


def test_refresh_rotates_and_the_old_refresh_token_dies(live_server, staff_world):
    tokens = password_login(live_server, "hubin-office").json()
    renewed = requests.post(api(live_server, "/auth/refresh"), json={"refresh_token": tokens["refresh_token"]},
                            timeout=10)
    assert renewed.status_code == 200
    assert renewed.json()["refresh_token"] != tokens["refresh_token"]
    assert requests.get(api(live_server, "/me"), headers=bearer(renewed.json()["access_token"]),
                        timeout=10).status_code == 200


def test_replaying_a_rotated_refresh_token_ends_the_whole_session(live_server, staff_world):
    tokens = password_login(live_server, "hubin-office").json()
    first = requests.post(api(live_server, "/auth/refresh"), json={"refresh_token": tokens["refresh_token"]},
                          timeout=10).json()
    second = requests.post(api(live_server, "/auth/refresh"), json={"refresh_token": first["refresh_token"]},
                           timeout=10).json()
    # A copy of the first refresh token (stolen, or replayed by a confused client) comes back.
    reused = requests.post(api(live_server, "/auth/refresh"), json={"refresh_token": tokens["refresh_token"]},
                           timeout=10)
    assert reused.status_code == 401
    assert reused.json()["error"]["details"]["reason"] == "refresh_reuse"
    # Every token of the session is dead now, also the newest pair the legitimate client holds.
    assert requests.get(api(live_server, "/me"), headers=bearer(second["access_token"]),
                        timeout=10).status_code == 401
    assert requests.post(api(live_server, "/auth/refresh"), json={"refresh_token": second["refresh_token"]},
                         timeout=10).status_code == 401
    with live_server.runtime.uow().transaction() as session:
        stored = session.scalar(select(ApiSession))
        assert stored.revoked_at is not None and stored.revoked_reason == "refresh_reuse"
    # Signing in again starts a fresh session that works.
    again = password_login(live_server, "hubin-office").json()
    assert requests.get(api(live_server, "/me"), headers=bearer(again["access_token"]), timeout=10).status_code == 200


def test_an_unknown_refresh_token_is_refused_without_ending_anything(live_server, staff_world):
    tokens = password_login(live_server, "hubin-office").json()
    unknown = requests.post(api(live_server, "/auth/refresh"), json={"refresh_token": "never-issued"}, timeout=10)
    assert unknown.status_code == 401 and unknown.json()["error"]["details"]["reason"] == "session_revoked"
    assert requests.get(api(live_server, "/me"), headers=bearer(tokens["access_token"]), timeout=10).status_code == 200


def test_logout_ends_the_access_and_the_refresh_token(live_server, staff_world):
    tokens = password_login(live_server, "hubin-office").json()
    out = requests.post(api(live_server, "/auth/logout"), headers=bearer(tokens["access_token"]), timeout=10)
    assert out.status_code == 200
    after = requests.get(api(live_server, "/me"), headers=bearer(tokens["access_token"]), timeout=10)
    assert after.status_code == 401 and after.json()["error"]["details"]["reason"] == "session_revoked"
    assert requests.post(api(live_server, "/auth/refresh"), json={"refresh_token": tokens["refresh_token"]},
                         timeout=10).status_code == 401


def test_a_disabled_account_is_locked_out_at_once(live_server, staff_world):
    tokens = password_login(live_server, "hubin-deputy1").json()
    with live_server.runtime.uow().transaction() as session:
        session.execute(update(Person).where(Person.username == "hubin-deputy1").values(is_active=False))
    response = requests.get(api(live_server, "/me"), headers=bearer(tokens["access_token"]), timeout=10)
    assert response.status_code == 401 and response.json()["error"]["details"]["reason"] == "account_disabled"
    assert password_login(live_server, "hubin-deputy1").status_code == 401
    assert requests.post(api(live_server, "/auth/refresh"), json={"refresh_token": tokens["refresh_token"]},
                         timeout=10).status_code == 401


def test_access_tokens_expire_after_two_hours_and_refresh_brings_a_new_one(live_server, staff_world, clock):
    tokens = password_login(live_server, "hubin-office").json()
    clock.advance(hours=2)
    expired = requests.get(api(live_server, "/me"), headers=bearer(tokens["access_token"]), timeout=10)
    assert expired.status_code == 401 and expired.json()["error"]["details"]["reason"] == "token_expired"
    renewed = requests.post(api(live_server, "/auth/refresh"), json={"refresh_token": tokens["refresh_token"]},
                            timeout=10).json()
    assert requests.get(api(live_server, "/me"), headers=bearer(renewed["access_token"]), timeout=10).ok


def test_a_token_altered_by_the_client_is_refused(live_server, staff_world):
    token = password_login(live_server, "hubin-office").json()["access_token"]
    payload, _, signature = token.partition(".")
    forged = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB") + "." + signature
    response = requests.get(api(live_server, "/me"), headers=bearer(forged), timeout=10)
    assert response.status_code == 401 and response.json()["error"]["code"] == "unauthorized"
    no_token = requests.get(api(live_server, "/me"), timeout=10)
    assert no_token.status_code == 401 and no_token.json()["error"]["details"]["reason"] == "missing_token"


def test_revoking_every_session_of_a_person(world, runtime):
    person = world.person("严民强")
    first = api_sessions.start_session(runtime.uow(), person_id=person.id, method="password")
    api_sessions.start_session(runtime.uow(), person_id=person.id, method="password")
    assert api_sessions.revoke_person_sessions(runtime.uow(), person_id=person.id, reason="disabled") == 2
    with pytest.raises(api_sessions.AuthenticationError):
        api_sessions.authenticate(runtime.uow(), access_token=first.access_token)
