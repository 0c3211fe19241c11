"""全景视窗 in the console: filters, a street office's own street only, drill-down, exports, the weights editor."""
from __future__ import annotations

import csv
import io
import os
import subprocess
from pathlib import Path
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook

from server.statistics.rollup import roll_up_dirty
from tests.statistics.story import tell_story
from tests.web.chromium import DESKTOP, PHONE

PERIOD = {"from": "2026-11-01", "to": "2026-11-30"}


@pytest.fixture
def story(world, runtime, clock):
    told = tell_story(world, runtime, clock)
    roll_up_dirty(runtime.uow())
    return told


def test_the_district_sees_every_street_and_filters_by_street_and_dimension(story, world, signed_in):
    district = signed_in("district")
    page = district.get("/console/figures", query_string=PERIOD).get_data(as_text=True)
    assert "全景视窗" in page and "数据总览" in page and "排名规则" in page
    assert 'href="/console/figures/cases?' in page and "湖滨街道" in page and "凯旋街道" in page
    kaixuan = world.street("kaixuan").id
    page = district.get("/console/figures", query_string=PERIOD | {"street": kaixuan, "dimension": "category"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "全景视窗 · 凯旋街道" in text and "公共设施" in text
    assert "城市管理·绿化环境</td>" not in text  # 凯旋 had no greenery case


def test_a_street_office_sees_its_own_street_and_another_street_is_404(story, world, signed_in):
    office = signed_in("hubin-office")
    page = office.get("/console/figures", query_string=PERIOD).get_data(as_text=True)
    assert "全景视窗 · 湖滨街道" in page and "排名规则" not in page
    assert office.get("/console/figures", query_string={"street": world.street("kaixuan").id}).status_code == 404
    assert office.get("/console/figures/weights").status_code == 404
    assert office.get("/console/figures/cases", query_string={"street": world.street("kaixuan").id}).status_code == 404


def test_a_bad_period_gets_its_message_next_to_the_field(story, signed_in):
    page = signed_in("district").get("/console/figures", query_string={"from": "2026-11-30", "to": "2026-11-01"})
    assert page.status_code == 400
    assert '<div class="error">结束日期不能早于开始日期</div>' in page.get_data(as_text=True)


def test_drill_down_lists_the_cases_behind_a_number(story, world, signed_in):
    office = signed_in("hubin-office")
    page = office.get("/console/figures/cases", query_string=PERIOD | {"metric": "overdue"}).get_data(as_text=True)
    assert story["g"].tracking_number in page and "共 1 件" in page
    received = office.get("/console/figures/cases", query_string=PERIOD | {"metric": "received"}).get_data(as_text=True)
    assert "共 6 件" in received and story["c"].tracking_number not in received  # the merged duplicate
    assert story["b"].tracking_number not in received  # 凯旋's case is not the office's
    reopened = office.get("/console/figures/cases", query_string=PERIOD | {
        "metric": "reopened", "dimension": "unit", "member": world.unit("湖滨街道公共管理办公室").id}).get_data(as_text=True)
    assert story["e"].tracking_number in reopened and story["h"].tracking_number in reopened and "共 2 件" in reopened
    assert office.get("/console/figures/cases", query_string=PERIOD | {"metric": "nonsense"}).status_code == 400


def test_exports_over_http(story, signed_in, tmp_path):
    office = signed_in("hubin-office")
    response = office.get("/console/figures/export.csv", query_string=PERIOD | {"table": "category"})
    assert response.status_code == 200 and response.data.startswith(b"\xef\xbb\xbf")
    disposition = unquote(response.headers["Content-Disposition"])
    assert "全景视窗_类别_2026-11-01至2026-11-30_湖滨街道.csv" in disposition
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[1][:2] == ["城市管理·绿化环境", "5"]
    response = office.get("/console/figures/export.xlsx", query_string=PERIOD | {"table": "ranking_streets"})
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet["A1"].value == "名次" and sheet["B2"].value == "湖滨街道"
    assert office.get("/console/figures/export.csv", query_string={"table": "nonsense"}).status_code == 400
    response = office.get("/console/figures/report.pdf", query_string={"month": "2026-11"})
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    (tmp_path / "r.pdf").write_bytes(response.data)
    subprocess.run(["pdftoppm", "-png", "-r", "30", str(tmp_path / "r.pdf"), str(tmp_path / "p")], check=True,
                   timeout=60)
    assert len(list(tmp_path.glob("p-*.png"))) == 2


def test_the_district_edits_the_weights_and_the_public_legend_follows(story, signed_in, client):
    district = signed_in("district")
    form = district.get("/console/figures/weights").get_data(as_text=True)
    assert 'name="csrf_token"' in form and "尚未修改，使用默认规则" in form
    bad = district.post("/console/figures/weights", {"response_rate": "30", "resolution_rate": "40",
                                                     "satisfaction_rate": "30", "green_at": "70", "yellow_at": "80"})
    assert bad.status_code == 400 and "分色阈值须满足" in bad.get_data(as_text=True)
    assert 'value="80"' in bad.get_data(as_text=True)  # the entered values are kept
    missing = district.post("/console/figures/weights", {"response_rate": "", "resolution_rate": "40",
                                                         "satisfaction_rate": "30", "green_at": "90", "yellow_at": "75"})
    assert missing.status_code == 400 and "请填写权重" in missing.get_data(as_text=True)
    assert "响应率 × 30%" in client.get("/dashboard").get_data(as_text=True)  # nothing changed
    done = district.post("/console/figures/weights", {"response_rate": "0", "resolution_rate": "50",
                                                      "satisfaction_rate": "50", "green_at": "85", "yellow_at": "60"})
    assert done.status_code == 302
    page = district.get("/console/figures/weights").get_data(as_text=True)
    assert "已更新街道赛马晾晒的权重和分色阈值" in page and "张梦月" in page
    public = client.get("/dashboard", query_string=PERIOD).get_data(as_text=True)
    assert "按期办结率 × 50% + 满意率 × 50%" in public and "绿色 综合得分 ≥ 85" in public


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1366px", "375px"])
def test_the_console_window_in_chromium(story, live_server, browser, tmp_path, viewport):
    from server.demo.people import DEMO_PASSWORD

    page = browser.new_page(viewport=viewport)
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(f"{live_server.url}/console/login")
    page.fill("input[name=username]", "district")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/console/figures?from=2026-11-01&to=2026-11-30&grain=week")
    page.wait_for_selector("#trend-chart canvas")
    assert page.locator("#dimension-table tbody tr").count() == 6
    page.click("#dimension-table tbody tr:first-child td:nth-child(2) a")
    assert "受理的反映" in page.locator("h1").inner_text()
    assert errors == []
    page.go_back()
    shot = tmp_path / f"console-figures-{viewport['width']}.png"
    page.screenshot(path=str(shot), full_page=True)
    keep = os.environ.get("MINYI_SCREENSHOTS")  # e.g. docs/screenshots, for the README
    if keep:
        (Path(keep) / shot.name).write_bytes(shot.read_bytes())
