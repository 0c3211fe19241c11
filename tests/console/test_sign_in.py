"""Signing in to the console: cookies, CSRF, throttling and lock-out, idle timeout, disabled accounts."""
from __future__ import annotations

from sqlalchemy import select

from server.people import sessions
from server.people.models import ApiSession
from tests.console.conftest import ConsoleClient

OFFICE = "hubin-office"


def test_sign_in_and_out(world, console, runtime):
    page = console.get("/console/login")
    assert page.status_code == 200 and "登录" in page.get_data(as_text=True)
    response = console.login(OFFICE)
    assert response.status_code == 302 and response.headers["Location"].endswith("/console/")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie  # served over http
    home = console.get("/console/")
    home = console.get(home.headers["Location"]) if home.status_code == 302 else home
    assert home.status_code == 200 and "胡敏" in home.get_data(as_text=True)
    assert console.post("/console/logout").status_code == 302
    with runtime.uow().transaction() as session:
        assert session.scalar(select(ApiSession.revoked_reason).where(ApiSession.method == "console")) == "logout"
    assert console.get("/console/").headers["Location"].startswith("/console/login")


def test_wrong_password_keeps_the_username_and_says_why(world, console):
    response = console.login(OFFICE, "wrong-password")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "用户名或密码不正确" in body and f'value="{OFFICE}"' in body
    assert console.get("/console/").status_code == 302


def test_a_form_without_its_csrf_token_is_refused(world, console):
    response = console.http.post("/console/login", data={"username": OFFICE, "password": "minyi-demo"})
    assert response.status_code == 400 and "刷新" in response.get_data(as_text=True)
    assert console.get("/console/").status_code == 302  # not signed in
    console.login(OFFICE)
    refused = console.http.post("/console/logout", data={})
    assert refused.status_code == 400
    assert console.get("/console/").status_code in (200, 302) and "login" not in \
        console.get("/console/").headers.get("Location", "")


def test_ten_wrong_passwords_lock_the_account_for_a_quarter_hour(world, console, clock):
    for attempt in range(10):
        clock.advance(seconds=61)  # past any growing wait: each attempt counts
        assert "用户名或密码不正确" in console.login(OFFICE, f"guess-{attempt}").get_data(as_text=True)
    clock.advance(seconds=61)
    locked = console.login(OFFICE)
    assert locked.status_code == 429 and "登录失败次数过多" in locked.get_data(as_text=True)
    clock.advance(minutes=15)
    assert console.login(OFFICE).status_code == 302


def test_the_wait_grows_between_failures(world, console, clock):
    for attempt in range(3):
        assert "用户名或密码不正确" in console.login(OFFICE, f"guess-{attempt}").get_data(as_text=True)
    # After the third failure the next attempt must wait a second, and the right password waits too.
    assert console.login(OFFICE).status_code == 429
    clock.advance(seconds=2)
    assert console.login(OFFICE).status_code == 302


def test_an_unknown_username_is_throttled_like_a_known_one(world, console, clock):
    for attempt in range(10):
        clock.advance(seconds=61)
        assert "用户名或密码不正确" in console.login("nobody-here", f"guess-{attempt}").get_data(as_text=True)
    clock.advance(seconds=61)
    assert console.login("nobody-here", "guess").status_code == 429


def test_the_api_password_login_is_throttled_too(world, client, clock):
    for attempt in range(3):
        response = client.post("/api/v1/auth/password", json={"username": OFFICE, "password": f"x{attempt}"})
        assert response.status_code == 401
    refused = client.post("/api/v1/auth/password", json={"username": OFFICE, "password": "minyi-demo"})
    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == "too_many_attempts"
    assert int(refused.headers["Retry-After"]) >= 1
    clock.advance(seconds=5)
    assert client.post("/api/v1/auth/password", json={"username": OFFICE, "password": "minyi-demo"}).status_code == 200


def test_idle_for_half_an_hour_signs_out(world, signed_in, clock):
    console = signed_in(OFFICE)
    clock.advance(minutes=29)
    assert "login" not in console.get("/console/").headers.get("Location", "")
    clock.advance(minutes=31)
    response = console.get("/console/")
    assert response.status_code == 302 and "/console/login" in response.headers["Location"]
    assert "长时间未操作" in console.get(response.headers["Location"]).get_data(as_text=True)


def test_a_disabled_account_loses_console_and_api_at_once(world, signed_in, client, runtime):
    console = signed_in(OFFICE)
    api = client.post("/api/v1/auth/password", json={"username": OFFICE, "password": "minyi-demo"}).get_json()
    headers = {"Authorization": f"Bearer {api['access_token']}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    ended = sessions.set_account_active(runtime.uow(), person_id=world.office("hubin").id, active=False)
    assert ended == 2
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    response = console.get("/console/")
    assert response.status_code == 302 and "/console/login" in response.headers["Location"]
    assert "账号已停用" in ConsoleClient(client).login(OFFICE).get_data(as_text=True)


def test_next_only_leads_inside_the_console(world, console):
    console.get("/console/login")
    response = console.post("/console/login?next=https://evil.example/", {"username": OFFICE,
                                                                           "password": "minyi-demo"})
    assert response.headers["Location"] == "/console/"


def test_residents_have_no_console(world, console, runtime):
    from werkzeug.security import generate_password_hash

    from server.people.rules import Role

    world.create_person("居民甲", Role.resident, "hubin", username="resident-a",
                        password_hash=generate_password_hash("pw-123456"))
    console.login("resident-a", "pw-123456")
    assert console.get("/console/").status_code == 404


def test_html_pages_carry_security_headers(world, console):
    for path in ("/", "/console/login", "/dashboard", "/api/v1/docs"):
        headers = console.get(path).headers
        policy = headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
        assert "frame-ancestors 'none'" in policy
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
