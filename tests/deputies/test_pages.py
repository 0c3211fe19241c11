"""Deputy work's pages in a real Chromium at desktop and phone widths: the public station page (deputies'
names only), and the console story — the street office schedules a reception day, the deputy on duty
records a walk-in and turns the matter into a case, adds a duty entry with a photo and exports the PDF,
the district changes a weight and sees the ranking."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
import requests
from pypdf import PdfReader

from server.demo.people import DEMO_PASSWORD
from server.deputies import receptions
from tests.deputies.conftest import local, make_hubin
from tests.web.chromium import DESKTOP, PHONE
from tests.web.test_case_page import picture

VIEWPORTS = pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])


def watch(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def no_sideways_scroll(page, viewport) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]


def sign_in(page, url: str, username: str) -> None:
    page.goto(f"{url}/console/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def sign_out(page) -> None:
    if page.locator("[data-menu-toggle]").is_visible():
        page.click("[data-menu-toggle]")
    page.click(".logout button")
    page.wait_for_load_state()


def go(page, viewport, label: str) -> None:
    if viewport is PHONE:
        page.click("[data-menu-toggle]")
    page.click(f"#sidemenu >> text={label}")
    page.wait_for_load_state()


@VIEWPORTS
def test_the_public_station_page_names_the_deputies_and_nobody_else(live_server, world, browser, tmp_path, viewport):
    hubin = make_hubin(world, live_server.runtime)
    reception = hubin.schedule(topic="老旧小区加装电梯政策解答")
    receptions.book_reception(live_server.runtime.uow(), person_id=hubin.resident.id, reception_id=reception.id,
                              question="我家电话13812345678，想问电梯补贴")
    page = browser.new_page(viewport=viewport)
    errors = watch(page)
    page.goto(f"{live_server.url}/stations/{hubin.station.id}")
    text = page.inner_text("body")
    for shown in ("湖滨街道人大代表联络站", "东坡路8号二楼", "工作日 9:00-17:00", "严民强", "周立群",
                  "11月29日（周日）09:00-11:00", "老旧小区加装电梯政策解答", "信息更新于 2026年11月28日 09:00"):
        assert shown in text, shown
    for hidden in ("章小平", "13812345678", "电梯补贴"):
        assert hidden not in text, hidden
    assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 15
    no_sideways_scroll(page, viewport)
    page.screenshot(path=str(tmp_path / f"station-{viewport['width']}.png"), full_page=True)
    assert errors == []
    assert requests.get(f"{live_server.url}/stations/999", timeout=5).status_code == 404


@VIEWPORTS
def test_schedule_record_a_matter_as_a_case_and_the_duty_record(live_server, world, browser, tmp_path, viewport,
                                                                clock):
    url = live_server.url
    make_hubin(world, live_server.runtime)
    page = browser.new_page(viewport=viewport)
    errors = watch(page)
    page.on("dialog", lambda dialog: dialog.accept())

    sign_in(page, url, "hubin-office")
    go(page, viewport, "接待日")
    page.click("text=安排接待日")
    page.fill("input[name=day]", "2026-11-29")
    page.fill("input[name=start]", "09:00")
    page.fill("input[name=end]", "11:30")
    page.fill("input[name=topic]", "老旧小区加装电梯")
    page.click("button:has-text('安排并发布')")
    assert page.locator(".field.has-error").inner_text().endswith("请至少安排一名值班代表")
    assert page.input_value("input[name=topic]") == "老旧小区加装电梯"  # kept after the error
    page.check("input[name=deputy_ids] >> nth=0")
    page.check("input[name=deputy_ids] >> nth=1")
    page.fill("input[name=end]", "08:00")
    page.click("button:has-text('安排并发布')")
    assert page.locator(".field.has-error").inner_text().endswith("结束时间须晚于开始时间")
    page.fill("input[name=end]", "11:30")
    page.click("button:has-text('安排并发布')")
    page.wait_for_load_state()
    assert "已安排接待日" in page.inner_text(".flashes")
    assert "安排接待日" in page.inner_text(".timeline")
    no_sideways_scroll(page, viewport)
    page.screenshot(path=str(tmp_path / f"office-reception-{viewport['width']}.png"), full_page=True)
    sign_out(page)

    clock.set(local(29, 9, 20))
    sign_in(page, url, "hubin-deputy1")
    assert "我的接待日" in page.inner_text("h1")
    page.click("text=登记接待")
    page.fill("input[name=visitor_name]", "吴阿姨")
    page.fill("input[name=phone]", "13900001111")
    page.select_option("select[name=community_id]", label="东坡路社区")
    page.fill("textarea[name=matters]", "楼道里电动车充电乱拉电线\n希望社区食堂延长晚餐时间")
    page.click("button:has-text('登记') >> nth=-1")
    page.wait_for_load_state()
    assert "已登记来访群众吴阿姨" in page.inner_text(".flashes")
    page.click("button:has-text('转为民情件') >> nth=0")
    page.wait_for_load_state()
    flash = page.inner_text(".flashes")
    assert "已转为民情件 MY-20261129-" in flash and "由代表接收" in flash
    assert page.locator(".visit .tag.blue").count() == 1
    page.click("button:has-text('标记接待完成')")
    page.wait_for_load_state()
    assert "已接待" in page.inner_text("h1")
    no_sideways_scroll(page, viewport)
    page.screenshot(path=str(tmp_path / f"deputy-reception-{viewport['width']}.png"), full_page=True)

    go(page, viewport, "我的履职档案")
    page.select_option("select[name=kind]", label="走访调研")
    page.fill("input[name=title]", "走访东坡路社区独居老人")
    page.fill("input[name=happened_on]", "2026-11-28")
    page.set_input_files("input[name=photo]", files=[{"name": "visit.jpg", "mimeType": "image/jpeg",
                                                      "buffer": picture((200, 120, 60), "visit")}])
    page.click("button:has-text('添加')")
    page.wait_for_load_state()
    assert "已添加履职记录：走访东坡路社区独居老人" in page.inner_text(".flashes")
    assert page.locator(".photos img").evaluate("img => img.naturalWidth") > 0
    figures = page.inner_text("table.list")
    for line in ("接收群众反映\t1", "进站接待\t1", "接待群众\t1", "收集群众诉求\t2", "诉求转为民情件\t1", "自主履职记录\t1"):
        assert line in figures, line
    no_sideways_scroll(page, viewport)
    page.screenshot(path=str(tmp_path / f"deputy-record-{viewport['width']}.png"), full_page=True)
    with page.expect_download() as download:
        page.click("text=导出 PDF")
    pdf = PdfReader(io.BytesIO(Path(download.value.path()).read_bytes()))
    # pypdf reads this font's two-byte ToUnicode targets with a NUL before each character (poppler does not)
    text = "".join(p.extract_text() for p in pdf.pages).replace("\x00", "")
    assert "严民强 2026年度履职档案" in text and "走访东坡路社区独居老人" in text
    sign_out(page)

    sign_in(page, url, "district")
    go(page, viewport, "履职积分权重")
    page.fill("input[name=entries]", "200")
    page.click("button:has-text('保存权重')")
    assert "权重须在 0 到 100 之间" in page.inner_text(".field.has-error")
    page.fill("input[name=entries]", "10")
    page.click("button:has-text('保存权重')")
    page.wait_for_load_state()
    assert "自主履职记录 × 10" in page.inner_text(".formula")
    go(page, viewport, "代表履职排名")
    first = page.locator("table.list tbody tr").first.inner_text()
    assert "严民强" in first and "湖滨街道" in first
    no_sideways_scroll(page, viewport)
    page.screenshot(path=str(tmp_path / f"district-ranking-{viewport['width']}.png"), full_page=True)
    assert requests.get(f"{url}/console/deputies/ranking", allow_redirects=False, timeout=5).status_code == 302
    assert errors == []
