"""The panoramic window in a real Chromium: the ranking shows colour bands and figures."""
from __future__ import annotations

import requests

from server.demo import load_demo


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
    # and per street one case from its concluded demo hall and five from its demo reception days' matters
    assert data["totals"]["cases"] == 60 + 6 + 6 * 5
    assert "phone" not in str(data) and "reporter" not in str(data)


def test_the_page_serves_the_snapshot_and_says_when_it_was_computed(world, runtime, clock, client):
    from datetime import UTC, datetime

    from server.statistics.service import refresh_street_ranking

    clock.set(datetime(2026, 11, 30, 1, 5, tzinfo=UTC))  # 09:05 in Shanghai
    world.create_case()
    clock.advance(minutes=1)
    before = client.get("/dashboard.json").get_json()  # no snapshot yet: computed for this request
    assert before["totals"]["cases"] == 1 and before["generated_at"].startswith("2026-11-30T09:06")

    refresh_street_ranking(runtime.uow())
    clock.advance(minutes=4)
    world.create_case(reporter="朱伟", description="凤起东路路灯坏了")
    clock.advance(minutes=1)
    served = client.get("/dashboard.json").get_json()
    assert served["totals"]["cases"] == 1 and served["generated_at"].startswith("2026-11-30T09:06")
    assert served["since"].startswith("2025-11-30T09:06") and len(served["streets"]) == 6
    page = client.get("/dashboard").get_data(as_text=True)
    assert "数据更新于 2026-11-30 09:06" in page

    refresh_street_ranking(runtime.uow())
    assert client.get("/dashboard.json").get_json()["totals"]["cases"] == 2
    assert "数据更新于 2026-11-30 09:11" in client.get("/dashboard").get_data(as_text=True)
