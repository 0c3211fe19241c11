"""The panoramic window in a real Chromium: the ranking shows colour bands and figures."""
from __future__ import annotations

import shutil

import pytest
import requests

from server.demo import load_demo

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def test_dashboard_ranks_streets_with_colour_bands(live_server, browser, tmp_path):
    load_demo(live_server.runtime, case_count=60)
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(f"{live_server.url}/dashboard")
    assert page.title() == "全景视窗 · 民意"
    rows = page.locator("tbody tr")
    assert rows.count() == 6
    first = rows.nth(0).inner_text()
    assert first.startswith("1") and "街道" in first
    assert page.locator(".band.green, .band.yellow, .band.red").count() == 6
    page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
    data = requests.get(f"{live_server.url}/dashboard.json", timeout=10).json()
    assert data["totals"]["cases"] == 60
    assert "phone" not in str(data) and "reporter" not in str(data)
