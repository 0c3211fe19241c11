"""The public panoramic window in a real Chromium, at 375 px and 1366 px, and its JSON."""
from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests

from server.demo import load_demo
from server.statistics.rollup import roll_up_dirty
from tests.statistics.story import tell_story
from tests.web.chromium import DESKTOP, PHONE

NAME_LINES = """() => [...document.querySelectorAll('td.name')].map(cell => {
  const range = document.createRange();
  range.selectNodeContents(cell.childNodes[1] || cell);
  const tops = new Set([...range.getClientRects()].map(rect => Math.round(rect.top)));
  return [cell.childNodes[1].textContent.trim(), tops.size];
})"""


def _keep(path: Path, name: str) -> None:
    keep = os.environ.get("MINYI_SCREENSHOTS")  # e.g. docs/screenshots, for the README
    if keep:
        (Path(keep) / name).write_bytes(path.read_bytes())


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["375px", "1366px"])
def test_the_public_window_reads_well_on_a_phone_and_a_desktop(live_server, browser, clock, tmp_path, viewport):
    clock.set(datetime(2026, 11, 28, 2, 0, tzinfo=UTC))
    load_demo(live_server.runtime, case_count=120)
    page = browser.new_page(viewport=viewport)
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/dashboard")
    assert page.title() == "全景视窗 · 民意"
    assert page.locator(".rate").count() == 3 and "数据更新于 2026-11-28 10:00" in page.locator(".updated").inner_text()
    rows = page.locator(".ranking tbody tr")
    assert rows.count() == 6
    assert page.locator("td.name .band").count() == 6
    legend = page.locator(".legend").inner_text()
    assert "绿色 综合得分 ≥ 90" in legend and "响应率 × 30%" in legend and "满意率 × 30%" in legend
    for name, lines in page.evaluate(NAME_LINES):
        assert lines == 1, f"{name} wraps over {lines} lines"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scrolling
    page.wait_for_selector("#trend-chart canvas")
    page.wait_for_selector("#score-chart canvas")
    assert "居民议事" in page.locator(".modules").inner_text()
    assert page.locator(".halls li").count() >= 1  # the demo's open halls
    assert errors == []
    shot = tmp_path / "dashboard.png"
    page.screenshot(path=str(shot), full_page=True)
    _keep(shot, f"dashboard-{viewport['width']}.png")


def test_the_json_has_the_figures_and_no_person(world, runtime, clock, live_server):
    tell_story(world, runtime, clock)
    roll_up_dirty(runtime.uow())
    window = requests.get(f"{live_server.url}/dashboard.json", params={"from": "2026-11-02", "to": "2026-11-02"},
                          timeout=10).json()
    assert window["period"] == {"from": "2026-11-02", "to": "2026-11-02"} and window["district"]["received"] == 7
    assert window["updated_at"].startswith("2026-11-06T14:00")
    assert [m["title"] for m in window["modules"]][:1] == ["民情民意"]
    cases = {f["key"]: f["value"] for f in window["modules"][0]["figures"]}
    assert (cases["cases_waiting"], cases["cases_open"], cases["cases_overdue"]) == (0, 2, 1)  # now: G and H open
    for name in ("章小平", "朱伟", "沈建华", "马丽", "严民强"):
        assert name not in str(window)


def test_a_bad_period_is_refused_with_a_chinese_message(world, live_server):
    response = requests.get(f"{live_server.url}/dashboard.json", params={"from": "2026-13-01"}, timeout=10)
    assert response.status_code == 400 and "日期格式" in response.json()["message"]
    response = requests.get(f"{live_server.url}/dashboard.json", params={"from": "2026-11-05", "to": "2026-11-01"},
                            timeout=10)
    assert response.status_code == 400 and response.json()["message"] == "结束日期不能早于开始日期"
    page = requests.get(f"{live_server.url}/dashboard", params={"from": "2026-13-01"}, timeout=10)
    assert page.status_code == 400 and "日期格式应为 年-月-日" in page.text
