"""The whole 72-hour loop through the console in Chromium: a resident reports in the sandbox, a deputy
accepts in chat, the street office routes in the console, the unit resolves with a photo uploaded from
the page, the resident rates in the sandbox, and the case page shows every step. Desktop and phone."""
from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import pytest
import requests
from PIL import Image, ImageDraw

from server.cases import service as cases
from server.demo.people import DEMO_PASSWORD
from server.replies import service as replies
from tests.bot.conftest import Phone
from tests.web.chromium import DESKTOP, PHONE

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
REPORT = "岳王路口<b>路灯</b>坏了一个多星期，晚上出行不安全 <script>alert('x')</script>"


def watch(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("dialog", lambda dialog: dialog.accept())  # "asks once": the confirmation is answered yes
    return errors


def keep(page, tmp_path: Path, name: str) -> None:
    """A full-page screenshot as a test artifact; with MINYI_SAVE_SCREENSHOTS=1 also for the README."""
    path = tmp_path / name
    page.screenshot(path=str(path), full_page=True)
    if os.environ.get("MINYI_SAVE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, SCREENSHOTS / name)


def street_light() -> Image.Image:
    """A picture of the result: an evening street with a lamp post, its lamp lit."""
    image = Image.new("RGB", (640, 480), (28, 40, 78))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 360, 640, 480), fill=(90, 90, 96))
    draw.rectangle((300, 120, 312, 380), fill=(60, 60, 64))
    draw.rectangle((300, 110, 380, 122), fill=(60, 60, 64))
    draw.ellipse((350, 112, 400, 150), fill=(255, 226, 120))
    draw.polygon([(375, 150), (300, 360), (460, 360)], fill=(120, 110, 80))
    return image


def bind_deputy(server, username: str) -> Phone:
    token = requests.post(f"{server.url}/api/v1/auth/password", timeout=10,
                          json={"username": username, "password": DEMO_PASSWORD}).json()["access_token"]
    code = requests.post(f"{server.url}/api/v1/me/bind-code", timeout=10,
                         headers={"Authorization": f"Bearer {token}"}).json()["code"]
    phone = Phone(server)
    assert phone.scan(f"bind:{code}", subscribe=True).startswith("欢迎关注")
    return phone


def sign_in(browser, server, viewport, username: str):
    page = browser.new_page(viewport=viewport)
    errors = watch(page)
    page.goto(f"{server.url}/console/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page, errors


def open_menu(page, viewport, label: str) -> None:
    if viewport is PHONE:
        page.click("[data-menu-toggle]")
    page.click(f"#sidemenu >> text={label}")
    page.wait_for_load_state()


def other_work(runtime, world, clock) -> None:
    """A queue worth looking at: a few more reports of the street, one of them close to its deadline."""
    deputy = world.person("周立群").id
    for reporter, text in (("沈建华", "楼下餐馆油烟很大，晚上噪音扰民"), ("马丽", "人行道井盖破损，老人容易绊倒"),
                           ("章小平", "小区垃圾清运不及时，环境卫生差")):
        case = world.create_case(reporter=reporter, description=text)
        cases.accept_case(runtime.uow(), actor_id=deputy, case_id=case.id)
        clock.advance(hours=22)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_case_through_every_role_in_the_console(live_server, world, browser, viewport, clock, tmp_path):
    runtime = live_server.runtime
    replies.save_template(runtime.uow(), actor_id=world.district().id, title="路灯已修复",
                          body="经现场核查，路灯已更换修复，夜间照明恢复正常。感谢您的反映！",
                          category_id=world.category("facilities").id)
    other_work(runtime, world, clock)
    resident = Phone(live_server)
    resident.live_on(world.street("hubin").id)
    reply = resident.say(REPORT)
    number = next(word for word in reply.replace("，", " ").replace("。", " ").split() if word.startswith("MY-"))
    resident.location(label="杭州市上城区岳王路12号")
    deputy = bind_deputy(live_server, "hubin-deputy1")
    assert "已接收反映" in deputy.say(f"接收 {number}")
    clock.advance(hours=2)

    # The street office's clerk: the queue, the case, route to the suggested unit.
    page, errors = sign_in(browser, live_server, viewport, "hubin-office")
    assert "/console/cases/queue" in page.url
    assert "共 4 件" in page.inner_text(".pager")
    assert page.locator("tr.soon").count() == 1  # the oldest has under 6 hours left: the orange mark
    keep(page, tmp_path, f"console-triage-queue-{viewport['width']}.png")
    page.click(f"text={number}")
    page.wait_for_load_state()
    assert page.inner_text(".description") == REPORT  # the resident's HTML shows as text
    assert "岳王路12号" in page.inner_text("dl.facts")
    if not page.locator("#act-route").get_attribute("open"):
        page.click("#act-route summary")
    assert page.locator("#act-route select[name=unit_id] option").first.inner_text().endswith("（建议）")
    page.fill("#route-note", "请尽快更换")
    page.click("#act-route button[type=submit]")
    page.wait_for_load_state()
    assert "已流转至湖滨街道便民服务中心" in page.inner_text(".flashes")
    case_url = page.url
    other = browser.new_page(viewport=viewport)
    other.goto(case_url)
    assert "/console/login" in other.url  # not signed in: nothing shown
    kaixuan, kaixuan_errors = sign_in(browser, live_server, viewport, "kaixuan-office")
    assert kaixuan.goto(case_url).status == 404  # another street's case

    # The unit: its list, the case, a reply template, a photo from the page, resolve.
    unit, unit_errors = sign_in(browser, live_server, viewport, "hubin-services")
    assert number in unit.inner_text("table.list")
    unit.click(f"text={number}")
    unit.wait_for_load_state()
    unit.click("[data-reply-target=resolve-feedback]")
    assert unit.input_value("#resolve-feedback").startswith("经现场核查，路灯已更换修复")
    unit.fill("#resolve-feedback", unit.input_value("#resolve-feedback") + "（岳王路12号）")
    picture = io.BytesIO()
    street_light().save(picture, format="JPEG")
    unit.set_input_files("input[type=file]", files=[{"name": "after.jpg", "mimeType": "image/jpeg",
                                                     "buffer": picture.getvalue()}])
    assert unit.locator("#resolve-previews img").count() == 1
    keep(unit, tmp_path, f"console-unit-resolve-{viewport['width']}.png")
    unit.click("#act-resolve button[type=submit]")
    unit.wait_for_load_state()
    assert "已办结并反馈群众（附 1 张照片）" in unit.inner_text(".flashes")

    # The resident rates in the sandbox; the clerk's case page shows every step.
    assert "满意" in resident.say("满意")
    page.reload()
    timeline = page.inner_text(".timeline")
    for step in ("提交反映", "代表接收", "流转承办单位", "办结反馈", "评价", "严民强", "请尽快更换",
                 "感谢您的反映！（岳王路12号）", "评价：满意", "反映人"):
        assert step in timeline, step
    assert timeline.index("评价") < timeline.index("办结反馈") < timeline.index("流转承办单位")  # newest first
    assert page.locator(".tag").first.inner_text() == "已关闭"
    thumbnail = page.locator(".photos img").first
    thumbnail.wait_for()
    assert page.evaluate("img => img.naturalWidth", thumbnail.element_handle()) > 0
    keep(page, tmp_path, f"console-case-page-{viewport['width']}.png")
    page.locator(".photos a").first.click()
    page.locator(".lightbox img").wait_for(state="visible")
    page.locator(".lightbox").click()
    for each in (page, unit):
        assert each.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    assert errors == [] and unit_errors == []
    assert all("404" in error for error in kaixuan_errors)  # only the refused case page itself


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_district_lists_and_keeps_reply_templates_in_chromium(live_server, world, browser, viewport, clock,
                                                                   tmp_path):
    runtime = live_server.runtime
    case = world.create_case(description="小区门口路灯坏了一个多星期")
    cases.escalate_case(runtime.uow(), actor_id=world.office("hubin").id, case_id=case.id, reason="涉及多个部门")
    page, errors = sign_in(browser, live_server, viewport, "district")
    assert "/console/district/cases" in page.url and case.tracking_number in page.inner_text("table.list")
    keep(page, tmp_path, f"console-district-{viewport['width']}.png")
    open_menu(page, viewport, "全部反映")
    assert case.tracking_number in page.inner_text("table.list")
    open_menu(page, viewport, "常用回复")
    page.click("button[type=submit].primary")  # empty: the errors next to the fields, nothing saved
    assert "请填写标题" in page.inner_text("form .field.has-error")
    page.fill("input[name=title]", "<i>已修复</i>")
    page.select_option("select[name=category_id]", label="公共设施")
    page.fill("textarea[name=body]", "已安排维修，感谢您的反映。")
    page.click("button[type=submit].primary")
    page.wait_for_load_state()
    assert "已保存常用回复“<i>已修复</i>”" in page.inner_text(".flashes")
    assert "<i>已修复</i>" in page.inner_text("table.list")
    keep(page, tmp_path, f"console-replies-{viewport['width']}.png")
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    unit, unit_errors = sign_in(browser, live_server, viewport, "hubin-public")
    open_menu(unit, viewport, "我的")
    assert "共 0 件" in unit.inner_text(".pager")
    assert errors == [] and unit_errors == []
