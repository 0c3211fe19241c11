"""An organiser opens, moderates and concludes a hall, and the district administers, in a real Chromium at
desktop (1366) and phone (375) width; screenshots are written as artifacts."""
from __future__ import annotations

from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import select, update

from server.core.clock import LOCAL_ZONE
from server.demo.people import DEMO_PASSWORD
from server.halls import opinions
from server.halls.models import Opinion, Topic, TopicFollowUp
from server.people.models import Person
from server.pushes import notifications
from server.pushes.models import OutboxMessage
from server.pushes.states import OutboxKind, OutboxStatus
from tests.web.chromium import DESKTOP, PHONE

VIEWPORTS = pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
ARTIFACTS = "console-admin"


def watch(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("dialog", lambda dialog: dialog.accept())  # "asks once": the confirm is answered yes
    return errors


def sign_in(page, url: str, username: str) -> None:
    page.goto(f"{url}/console/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert "/console/login" not in page.url


def shoot(page, tmp_path, name: str, viewport) -> None:
    if viewport is PHONE:  # nothing wider than the phone: no sideways scrolling
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], name
    page.evaluate("window.scrollTo(0, 0)")  # the sticky top bar stays at the top of a full-page picture
    page.screenshot(path=str(tmp_path / f"{name}-{viewport['width']}.png"), full_page=True)


def flash(page) -> str:
    return page.locator(".flashes").inner_text()


@VIEWPORTS
def test_open_moderate_and_conclude_a_hall(live_server, world, browser, viewport, tmp_path, runtime, clock):
    page = browser.new_page(viewport=viewport, locale="zh-CN")
    errors = watch(page)
    sign_in(page, live_server.url, "hubin-office")
    page.goto(f"{live_server.url}/console/halls/new")
    page.fill("input[name=title]", "东坡路夜间停车")
    page.fill("textarea[name=background]", "东坡路夜间停车难，街道拟划定临时停车位，请居民提出意见。")
    page.click("form.form button[type=submit]")  # no closing time: said next to the field, the text kept
    page.wait_for_load_state()
    assert "请选择截止时间" in page.inner_text(".field.has-error")
    assert page.input_value("input[name=title]") == "东坡路夜间停车"
    closes = (clock.now() + timedelta(days=3)).astimezone(LOCAL_ZONE).strftime("%Y-%m-%dT%H:%M")
    page.fill("input[name=closes_at]", closes)
    photo = tmp_path / "site.png"
    Image.new("RGB", (64, 48), (40, 120, 200)).save(photo)
    page.set_input_files("input[name=photos]", str(photo))
    shoot(page, tmp_path, "hall-new", viewport)
    page.click("form.form button[type=submit]")
    page.wait_for_load_state()
    assert "已创建议题" in flash(page)
    assert page.evaluate("document.querySelector('.facts .photos img').naturalWidth") == 64
    with runtime.uow().transaction() as session:
        topic = session.scalar(select(Topic).where(Topic.title == "东坡路夜间停车"))
    page.goto(f"{live_server.url}/console/halls")
    shoot(page, tmp_path, "halls-list", viewport)
    page.click(f"a[href='/console/halls/{topic.id}'] >> nth=0")
    page.click("text=立即开放")
    page.wait_for_load_state()
    assert "已开放议题" in flash(page) and "征集中" in page.inner_text(".page-head")

    first = opinions.post_opinion(runtime.uow(), author_id=world.person("章小平").id, topic_id=topic.id,
                                  text="建议晚上8点后允许路边临时停车")
    second = opinions.post_opinion(runtime.uow(), author_id=world.person("沈建华").id, topic_id=topic.id,
                                   text="可以联系我 13800000000 详谈")
    page.reload()
    hide = page.locator(f"#opinion-{second.id} details:has(summary:text-is('隐藏'))")
    hide.locator("summary").click()
    hide.locator("button[type=submit]").click()  # no reason: refused, said next to the field
    page.wait_for_load_state()
    assert "请填写隐藏原因" in page.locator(f"#opinion-{second.id} .error").inner_text()
    page.fill(f"#hide-{second.id}", "含有个人电话号码")
    page.locator(f"#opinion-{second.id} details[open] button[type=submit]").click()
    page.wait_for_load_state()
    assert "已隐藏该意见" in flash(page)
    assert "隐藏原因：含有个人电话号码" in page.locator(f"#opinion-{second.id}").inner_text()
    shoot(page, tmp_path, "hall-moderated", viewport)
    page.locator(f"#opinion-{second.id} button:text-is('恢复显示')").click()
    page.wait_for_load_state()
    assert "已恢复显示该意见" in flash(page)
    page.locator(f"#opinion-{first.id} button:text-is('置顶')").click()
    page.wait_for_load_state()
    assert "置顶" in page.locator(f"#opinion-{first.id} .meta").inner_text()
    reply = page.locator(f"#opinion-{first.id} details:has(summary:text-is('回复'))")
    reply.locator("summary").click()
    page.fill(f"#reply-{first.id}", "街道已与交警沟通，将试点夜间临时停车")
    reply.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "组织者回复" in page.locator(f"#opinion-{first.id}").inner_text()

    page.click("text=提前截止")
    page.wait_for_load_state()
    assert "已截止议题" in flash(page)
    page.fill("#summary", "采纳夜间临时停车建议，试点三个月")
    page.check(f"input[name=adopt][value='{first.id}']")
    page.fill("#follow_ups", "三个月后评估试点效果")
    shoot(page, tmp_path, "hall-conclude-form", viewport)
    page.click("#conclude button[type=submit]")
    page.wait_for_load_state()
    assert "已公布议事结果" in flash(page)
    page.click("#outcome button:text-is('标记完成')")
    page.wait_for_load_state()
    assert "已标记后续事项完成" in flash(page) and "已完成" in page.inner_text("#outcome")
    shoot(page, tmp_path, "hall-concluded", viewport)
    with runtime.uow().transaction() as session:
        assert session.get(Topic, topic.id).state == "concluded"
        assert session.get(Opinion, first.id).adopted and session.get(Opinion, first.id).pinned
        assert not session.get(Opinion, second.id).hidden
        assert session.scalar(select(TopicFollowUp.done_at).where(TopicFollowUp.topic_id == topic.id)) is not None
    assert errors == []


@VIEWPORTS
def test_the_district_disables_an_account_and_retries_a_push(live_server, world, browser, viewport, tmp_path,
                                                             runtime, clock):
    recipient = world.person("章小平").id
    with runtime.uow().transaction() as session:
        notifications.enqueue(session, kind=OutboxKind.case_routed, recipient_id=recipient, now=clock.now(),
                              payload={"unit_name": "湖滨街道公共管理办公室"}, dedupe_key="browser-dead")
        session.execute(update(OutboxMessage).where(OutboxMessage.dedupe_key == "browser-dead")
                        .values(status=OutboxStatus.dead, attempts=8, last_error="errcode 43004"))
    api = live_server.app.test_client()
    token = api.post("/api/v1/auth/password", json={"username": "hubin-market", "password": DEMO_PASSWORD})
    headers = {"Authorization": f"Bearer {token.get_json()['access_token']}"}
    assert api.get("/api/v1/me", headers=headers).status_code == 200

    page = browser.new_page(viewport=viewport, locale="zh-CN")
    errors = watch(page)
    sign_in(page, live_server.url, "district")
    page.goto(f"{live_server.url}/console/admin/people?q=hubin-market")
    shoot(page, tmp_path, "admin-people", viewport)
    page.click("table.list a:text-is('管理')")
    page.wait_for_load_state()
    shoot(page, tmp_path, "admin-person", viewport)
    page.click("button:text-is('停用账号')")
    page.wait_for_load_state()
    assert "已停用账号" in flash(page)
    assert api.get("/api/v1/me", headers=headers).status_code == 401
    with runtime.uow().transaction() as session:
        assert not session.scalar(select(Person.is_active).where(Person.username == "hubin-market"))
    page.click("button:text-is('生成绑定码')")
    page.wait_for_load_state()
    assert "已停用" in flash(page)
    page.click("button:text-is('启用账号')")
    page.wait_for_load_state()
    assert "已启用账号" in flash(page)
    page.click("button:text-is('生成绑定码')")
    page.wait_for_load_state()
    assert len(page.inner_text("[data-bind-code]").strip()) == 8
    assert page.evaluate("document.querySelector('.qr-box img').naturalWidth") > 100
    shoot(page, tmp_path, "admin-bind-code", viewport)

    page.goto(f"{live_server.url}/console/admin/pushes")
    shoot(page, tmp_path, "admin-pushes", viewport)
    page.click("button:text-is('重新发送')")
    page.wait_for_load_state()
    assert "已重新排队发送推送" in flash(page)
    with runtime.uow().transaction() as session:
        assert session.scalar(select(OutboxMessage.status).where(OutboxMessage.dedupe_key == "browser-dead")) in (
            OutboxStatus.pending, OutboxStatus.sending, OutboxStatus.sent, OutboxStatus.skipped)

    page.goto(f"{live_server.url}/console/admin/audit")
    log = page.inner_text("table.list")
    assert all(action in log for action in ("停用账号", "启用账号", "生成微信绑定码", "重发推送"))
    shoot(page, tmp_path, "admin-audit", viewport)
    page.goto(f"{live_server.url}/console/admin/places?tab=rules&street_id={world.street('hubin').id}")
    assert "湖滨街道" in page.inner_text("table.list") and "凯旋街道" not in page.inner_text("table.list")
    shoot(page, tmp_path, "admin-places", viewport)
    assert errors == []
