"""The WeChat sandbox's chat page in a real Chromium: a resident reports, then a deputy binds through the API."""
from __future__ import annotations

import pytest

from server.demo.people import DEMO_PASSWORD
from tests.web.chromium import DESKTOP, PHONE

STORY = "祖庙巷51号小区绿化枯萎需要补种"


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_resident_reports_and_a_deputy_binds_and_accepts(live_server, world, browser, viewport, tmp_path):
    page = browser.new_page(viewport=viewport)
    page.goto(f"{live_server.url}/sandbox")
    assert page.title() == "民意 · 微信沙箱"
    page.click("#new-user")
    page.fill("#text", STORY)
    page.press("#text", "Enter")
    page.wait_for_selector(".log .bot:has-text('请问您住在哪个街道')")
    page.fill("#text", "1")
    page.press("#text", "Enter")
    received = page.wait_for_selector(".log .bot:has-text('MY-')").inner_text()
    number = received[received.index("MY-"):][:16]

    page.click("#new-user")  # a separate WeChat user for the deputy: the resident's identity stays theirs
    page.fill("#username", "hubin-deputy1")
    page.fill("#password", "wrong")
    page.click("#bind")
    page.wait_for_selector(".log .system:has-text('用户名或密码不正确')")
    page.fill("#password", DEMO_PASSWORD)
    page.click("#bind")
    page.wait_for_selector(".log .system:has-text('严民强（人大代表）的绑定码')")
    page.wait_for_selector(".log .bot:has-text('严民强')")
    page.fill("#text", f"接收 {number}")
    page.press("#text", "Enter")
    page.wait_for_selector(f".log .bot:has-text('您已接收反映 {number}')")
    page.reload()  # the deputy's conversation is still there after a reload
    page.wait_for_selector(f".log .bot:has-text('您已接收反映 {number}')")
    page.screenshot(path=str(tmp_path / f"sandbox-{viewport['width']}.png"), full_page=True)
    # nothing overflows sideways at phone width
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]


def test_a_resident_cannot_get_a_bind_code(live_server, world):
    import requests

    # residents sign in through WeChat only; a staff endpoint refuses anyone without a staff token
    response = requests.post(f"{live_server.url}/api/v1/me/bind-code", timeout=10)
    assert response.status_code == 401 and response.json()["error"]["message"]
    gone = requests.post(f"{live_server.url}/sandbox/user/bind-code", json={"person_id": 1}, timeout=10)
    assert gone.status_code in (404, 405)
