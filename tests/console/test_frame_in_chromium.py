"""The console's frame, the landing page and the API reference in a real Chromium, desktop and phone."""
from __future__ import annotations

import pytest

from server import create_app
from server.core.settings import load_settings
from server.demo.people import DEMO_PASSWORD
from tests.web.chromium import DESKTOP, PHONE


def watch(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_sign_in_in_chromium(live_server, world, browser, viewport, tmp_path):
    page = browser.new_page(viewport=viewport)
    errors = watch(page)
    page.goto(f"{live_server.url}/console/")
    assert page.url.startswith(f"{live_server.url}/console/login")
    page.fill("input[name=username]", "hubin-office")
    page.fill("input[name=password]", "wrong")
    page.click("button[type=submit]")
    assert page.locator(".field .error").inner_text() == "用户名或密码不正确"
    assert page.input_value("input[name=username]") == "hubin-office"
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert "/console/login" not in page.url
    topbar = page.locator(".topbar")
    assert "胡敏" in topbar.inner_text()
    if viewport is PHONE:
        assert not page.locator("#sidemenu").is_visible()
        page.click("[data-menu-toggle]")
        assert page.locator("#sidemenu").is_visible()
        # nothing wider than the phone: no sideways scrolling
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    page.screenshot(path=str(tmp_path / f"console-home-{viewport['width']}.png"), full_page=True)
    page.click(".logout button")
    page.wait_for_load_state()
    assert page.url.startswith(f"{live_server.url}/console/login")
    assert "已退出登录" in page.content()
    assert errors == []


def test_api_reference_renders_from_local_files(live_server, browser, tmp_path):
    page = browser.new_page(viewport=DESKTOP)
    errors = watch(page)
    outside: list[str] = []
    page.on("request", lambda request: outside.append(request.url)
            if not request.url.startswith((live_server.url, "data:", "blob:")) else None)
    page.goto(f"{live_server.url}/api/v1/docs")
    page.wait_for_selector(".opblock-tag", timeout=15000)
    assert "auth" in page.content()
    page.screenshot(path=str(tmp_path / "api-docs.png"))
    assert errors == [] and outside == []


def test_landing_page_lists_demo_accounts_only_in_development(database_url, engine, world, clock, tmp_path):
    from server.core.runtime import build_runtime

    for env, shown in (("development", True), ("testing", False)):
        settings = load_settings({"DATABASE_URL": database_url, "MINYI_INSTANCE_DIR": str(tmp_path / env),
                                  "MINYI_ENV": env})
        app = create_app(settings, runtime=build_runtime(settings, clock=clock, engine=engine))
        body = app.test_client().get("/").get_data(as_text=True)
        assert ("hubin-office" in body) is shown and (DEMO_PASSWORD in body) is shown
        assert "治理端" in body and "全景视窗" in body and "/api/v1/docs" in body
