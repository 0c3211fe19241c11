"""A case's public page in a real Chromium, at desktop and phone widths: the result and the unit's photos,
personal numbers masked and nobody's name; a wrong signature or a photo that is not the unit's → 404."""
from __future__ import annotations

import io

import pytest
import requests
from PIL import Image, ImageDraw
from sqlalchemy import select

from server.cases import service as cases
from server.cases.public import case_id_from_token, public_link, public_token
from server.core.masking import mask_personal
from server.core.settings import Settings
from server.files import service as files
from server.pushes.models import OutboxMessage
from server.pushes.texts import push_text
from tests.web.chromium import DESKTOP, PHONE

UNIT = "湖滨街道公共管理办公室"
DESCRIPTION = ("祖庙巷51号小区内绿化枯萎需要补种，门口长期停着浙A·12345挡住消防通道。"
               "我的电话13812345678，身份证330102199001011234。")
FEEDBACK = "已补种绿植二十株，劝离浙A·12345车主并设置隔离桩。如有问题请联系0571-87654321或13900001111。"


def picture(colour: tuple[int, int, int], label: str) -> bytes:
    image = Image.new("RGB", (800, 600), colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle((120, 380, 680, 560), fill=(90, 60, 30))
    draw.ellipse((300, 120, 500, 320), fill=(30, 120, 40))
    draw.text((20, 20), label, fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG")
    return buffer.getvalue()


@pytest.fixture
def resolved(live_server, world, clock):
    """A resolved case with a resident's photo (report) and two of the unit's (feedback); returns
    (case, [feedback attachment ids], report attachment id)."""
    runtime = live_server.runtime
    uow = runtime.uow()
    with uow.transaction():
        report_photo = files.store_image(uow, picture((150, 150, 150), "report"))
        sites = [files.store_image(uow, picture(colour, "after")) for colour in ((90, 160, 220), (230, 200, 120))]
    case = world.create_case(description=DESCRIPTION)
    cases.add_case_info(runtime.uow(), actor_id=world.person("章小平").id, case_id=case.id,
                        attachment_ids=[report_photo.id])
    cases.route_case(runtime.uow(), actor_id=world.office("hubin").id, case_id=case.id,
                     unit_id=world.unit(UNIT).id)
    clock.advance(hours=20)
    unit = world.unit_staff(UNIT)
    cases.resolve_case(runtime.uow(), actor_id=unit.id, case_id=case.id, feedback=FEEDBACK)
    cases.add_feedback_photos(runtime.uow(), actor_id=unit.id, case_id=case.id,
                              attachment_ids=[photo.id for photo in sites])
    return case, [photo.id for photo in sites], report_photo.id


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_public_page_shows_the_result_and_the_units_photos_without_personal_data(
        live_server, browser, resolved, world, tmp_path, viewport):
    case, photo_ids, _ = resolved
    link = public_link(live_server.runtime.settings, case.id)
    page = browser.new_page(viewport=viewport)
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(link)
    page.wait_for_load_state("networkidle")
    assert page.title() == f"反映 {case.tracking_number} · 民意直通车"
    text = page.inner_text("body")
    for shown in (case.tracking_number, "已办结", "湖滨街道", UNIT, "11月28日 09:00", "11月29日 05:00",
                  "浙A·****5", "138****5678", "330*************34", "0571-****4321", "139****1111",
                  "现场照片 2 张"):
        assert shown in text, shown
    for hidden in ("章小平", "13812345678", "330102199001011234", "87654321", "12345", "2026年"):
        assert hidden not in text, hidden
    images = page.locator(".photos img")
    assert images.count() == 2
    assert all(images.nth(i).evaluate("img => img.complete && img.naturalWidth === 800") for i in range(2))
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    assert page.evaluate("parseFloat(getComputedStyle(document.querySelector('.text')).fontSize)") >= 15
    page.screenshot(path=str(tmp_path / f"case-page-{viewport['width']}.png"), full_page=True)
    assert errors == []


def test_a_wrong_signature_or_a_photo_that_is_not_the_units_is_not_found(live_server, resolved):
    case, photo_ids, report_photo_id = resolved
    settings = live_server.runtime.settings
    good = public_link(settings, case.id)
    assert requests.get(good, timeout=10).status_code == 200
    signature = public_token(settings, case.id).partition("-")[2]
    flipped = signature[:-1] + ("0" if signature[-1] != "0" else "1")
    for token in (f"{case.id}-{flipped}", f"{case.id + 1}-{signature}", str(case.id), case.tracking_number,
                  f"{case.id}-{signature[:10]}"):
        response = requests.get(f"{live_server.url}/c/{token}", timeout=10)
        assert response.status_code == 404, token
        assert "找不到该反映" in response.text and "祖庙巷" not in response.text
        assert requests.get(f"{live_server.url}/c/{token}/photos/{photo_ids[0]}", timeout=10).status_code == 404
    assert requests.get(f"{good}/photos/{photo_ids[0]}", timeout=10).status_code == 200
    assert requests.get(f"{good}/photos/{report_photo_id}", timeout=10).status_code == 404
    assert requests.get(f"{good}/photos/999999", timeout=10).status_code == 404
    other = public_link(settings, case.id + 1)
    assert requests.get(f"{other}/photos/{photo_ids[0]}", timeout=10).status_code == 404


def test_the_resolution_push_carries_the_link(live_server, resolved):
    case, _, _ = resolved
    with live_server.runtime.uow().transaction() as session:
        [push] = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "case_resolved"))
        assert push.recipient_id == case.reporter_id
        text = push_text("case_resolved", push.payload)
    assert f"办理结果和现场照片：{public_link(live_server.runtime.settings, case.id)}" in text


def test_a_token_is_read_back_only_with_its_own_signature():
    settings = Settings(secret_key="one-secret")
    assert case_id_from_token(settings, public_token(settings, 42)) == 42
    assert case_id_from_token(settings, public_token(settings, 42).replace("42-", "43-")) is None
    assert case_id_from_token(settings, "42") is None and case_id_from_token(settings, "x-y") is None
    assert case_id_from_token(Settings(secret_key="another-secret"), public_token(settings, 42)) is None


@pytest.mark.parametrize(("text", "masked"), [
    ("电话13812345678", "电话138****5678"),
    ("打 138 1234 5678 或 +86-139-1234-5678", "打 138****5678 或 +86-139****5678"),
    ("身份证 330102199001011234，旧证330102900101123", "身份证 330*************34，旧证330**********23"),
    ("尾号X：33010219900101123X", "尾号X：330*************3X"),
    ("座机0571-87654321、(0571)8765432", "座机0571-****4321、(0571)***5432"),
    ("浙A·12345、浙AD12345、浙a 1234学", "浙A·****5、浙A*****5、浙a ****学"),
    ("反映 MY-20261128-0001 于2026年11月28日，共12345678株", "反映 MY-20261128-0001 于2026年11月28日，共12345678株"),
    ("下载云APP查询", "下载云APP查询"),
    ("", ""),
])
def test_personal_numbers_are_masked(text, masked):
    assert mask_personal(text) == masked
