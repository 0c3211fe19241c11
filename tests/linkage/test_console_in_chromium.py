"""The linkage console in a real Chromium: the district issues a task → 采荷 plans an inspection and opens a
collection → residents give opinions in the sandbox → the street submits → the district accepts. Every
linkage page at 1366 px and 375 px; screenshots are written to the test's directory."""
from __future__ import annotations

from datetime import timedelta

import pytest

from server.core.clock import LOCAL_ZONE
from server.demo.linkage import ACCESSIBILITY, load_demo_linkage
from server.demo.people import DEMO_PASSWORD
from server.linkage import queries
from tests.bot.conftest import Phone
from tests.linkage.conftest import PDF
from tests.web.chromium import DESKTOP, PHONE


def watch(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("dialog", lambda dialog: dialog.accept())
    return errors


def signed_in_page(browser, url: str, username: str, viewport):
    page = browser.new_context(viewport=viewport).new_page()
    page.set_default_timeout(8000)
    errors = watch(page)
    page.goto(f"{url}/console/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page, errors


def flash(page) -> str:
    return page.locator(".flash").first.inner_text()


def test_issue_plan_collect_submit_accept_in_chromium(live_server, world, browser, clock, tmp_path, lk):
    url = live_server.url
    district, district_errors = signed_in_page(browser, url, "district", DESKTOP)
    district.goto(f"{url}/console/linkage/tasks/new")
    district.select_option("select[name=kind]", "assignment")
    district.fill("input[name=title]", "无障碍设施提升改造专项视察")
    district.fill("textarea[name=brief]", "请组织代表对辖区无障碍设施开展专项视察，同步征集居民意见。")
    due = (clock.now().astimezone(LOCAL_ZONE) + timedelta(days=14)).date().isoformat()
    district.fill("input[name=due_date]", due)
    district.check(f"input[name=street_ids][value='{world.street('caihe').id}']")
    district.set_input_files("input[name=files]", files=[{"name": "视察方案.pdf", "mimeType": "application/pdf",
                                                          "buffer": PDF}])
    district.screenshot(path=str(tmp_path / "linkage-new-1366.png"), full_page=True)
    district.click("form.card button[type=submit]")
    district.wait_for_load_state()
    assert "已保存草稿" in flash(district)
    district.click("button:has-text('交办')")
    district.wait_for_load_state()
    assert "已交办" in flash(district)
    task_url = district.url

    office, office_errors = signed_in_page(browser, url, "caihe-office", DESKTOP)
    office.goto(f"{url}/console/linkage/tasks")
    assert "待签收" in office.locator("table.list").inner_text()
    office.screenshot(path=str(tmp_path / "linkage-my-tasks-1366.png"), full_page=True)
    office.click("td.actions a:has-text('办理')")
    office.wait_for_load_state()
    office.click("button:has-text('签收')")
    office.wait_for_load_state()
    assert flash(office) == "已签收"
    office.screenshot(path=str(tmp_path / "linkage-assignment-forms-1366.png"), full_page=True)
    office.select_option("select[name=kind]", "inspection")
    office.fill("#activities input[name=title]", "无障碍设施专项视察")
    office.fill("input[name=place]", "采荷街道办事处一楼会议室")
    office.click("button:has-text('安排并通知代表')")
    office.wait_for_load_state()
    assert "已安排活动" in flash(office)
    office.click("button:has-text('开启意见征集')")
    office.wait_for_load_state()
    assert "已开启意见征集" in flash(office)

    assignment_id = int(office.url.split("/")[-1].split("?")[0])
    topic_id = queries.get_assignment(lk.uow, viewer_id=lk.id("蔡静"), assignment_id=assignment_id)["collection"]["topic_id"]
    for words in ("芙蓉社区菜场门口的盲道被电动车占了", "洁莲社区公厕没有无障碍扶手，老人不方便"):
        resident = Phone(live_server)
        resident.live_on(world.street("caihe").id)
        assert "议事" in resident.scan(f"topic:{topic_id}", subscribe=True)
        assert "意见" in resident.say(words)
    office.reload()
    assert "已收到居民意见 2 条" in office.locator("#collection").inner_text()
    office.fill("textarea[name=report]", "视察报告：实地查看点位8个，发现问题12处，收集居民意见2条。")
    office.click("button:has-text('提交成果')")
    office.wait_for_load_state()
    assert "已提交办理成果" in flash(office)
    assert "芙蓉社区菜场门口的盲道" in office.locator("#suggestions").inner_text()
    office.screenshot(path=str(tmp_path / "linkage-assignment-office-1366.png"), full_page=True)

    district.goto(task_url)
    district.click("a:has-text('审核')")
    district.wait_for_load_state()
    district.fill("textarea[name=comment]", "报告翔实，同意。")
    district.click("button:has-text('审核通过')")
    district.wait_for_load_state()
    assert flash(district) == "已审核通过"
    district.goto(task_url)
    assert "已通过" in district.locator(".streets").inner_text()
    district.screenshot(path=str(tmp_path / "linkage-task-1366.png"), full_page=True)
    assert district_errors == [] and office_errors == []


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_every_linkage_page_fits_the_screen(live_server, world, browser, viewport, tmp_path, lk):
    load_demo_linkage(live_server.runtime)
    url, width = live_server.url, viewport["width"]
    story = next(t for t in queries.list_tasks(lk.uow, viewer_id=lk.id("张梦月"))["items"] if t["title"] == ACCESSIBILITY)
    survey = next(t for t in queries.list_tasks(lk.uow, viewer_id=lk.id("张梦月"))["items"] if t["state"] == "issued"
                  and len(t["assignments"]) == 4)
    district, district_errors = signed_in_page(browser, url, "district", viewport)
    office, office_errors = signed_in_page(browser, url, "caihe-office", viewport)
    caihe_survey = next(a for a in survey["assignments"] if a["street_name"] == "采荷街道")["id"]
    pages = [(district, "tasks", "/console/linkage/tasks"), (district, "new", "/console/linkage/tasks/new"),
             (district, "task", f"/console/linkage/tasks/{story['id']}"),
             (district, "survey", f"/console/linkage/tasks/{survey['id']}"),
             (district, "review", f"/console/linkage/assignments/{story['assignments'][0]['id']}"),
             (office, "mine", "/console/linkage/tasks"),
             (office, "work", f"/console/linkage/assignments/{caihe_survey}")]
    for page, name, path in pages:
        response = page.goto(url + path)
        assert response.status == 200, path
        assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, width)
        page.screenshot(path=str(tmp_path / f"linkage-{name}-{width}.png"), full_page=True)
    district.goto(url + f"/console/linkage/assignments/{story['assignments'][0]['id']}")
    assert "意见建议（52 条" in district.locator("#suggestions h2").inner_text()
    assert district_errors == [] and office_errors == []
