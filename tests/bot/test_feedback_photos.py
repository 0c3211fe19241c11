"""A handling unit's photos after its 办结 (through the sandbox over HTTP): they join the result as
feedback photos, the resolution push links to the public page that shows them, and a photo with no
recent 办结 — or another unit's — opens and attaches nothing."""
from __future__ import annotations

import base64
import io

import pytest
import requests
from PIL import Image

from server.cases import service as cases
from server.cases.models import Case, CaseAttachment, CaseEvent
from server.cases.states import CaseAction, CaseState
from server.chat.media import fetch_due_media
from server.core.errors import PermissionDeniedError
from server.files import service as files

from .test_words_by_role import STORY, staff_phone, the_case

NUMBER = "MY-20261128-0001"
UNIT = "湖滨街道公共管理办公室"


def jpeg(colour: tuple[int, int, int]) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buffer, format="JPEG")
    return base64.b64encode(buffer.getvalue()).decode()


@pytest.fixture
def routed(bot, world, resident):
    """The resident's case, routed to 湖滨街道公共管理办公室 by the street office."""
    resident.say(STORY)
    staff_phone(bot, world, "胡敏").say(f"流转 {NUMBER} {UNIT}")
    return the_case(bot, NUMBER)


def feedback_links(bot, case_id: int) -> list[CaseAttachment]:
    return bot.rows(CaseAttachment, CaseAttachment.case_id == case_id, CaseAttachment.kind == "feedback")


def test_photos_a_unit_sends_after_banjie_join_the_result_and_the_push_links_to_them(bot, world, routed, clock):
    unit = staff_phone(bot, world, f"{UNIT}联络员")
    unit.say(f"办结 {NUMBER} 已补种绿植二十株，联系电话13812345678")
    clock.advance(minutes=3)
    assert unit.photo(image=jpeg((40, 160, 60))) == f"照片已补充到反映 {NUMBER} 的办理结果。"
    clock.advance(minutes=6)
    assert unit.photo(image=jpeg((200, 120, 30))) == f"照片已补充到反映 {NUMBER} 的办理结果。"
    assert [row.payload["purpose"] for row in bot.outbox("fetch_media")] == ["feedback", "feedback"]

    assert fetch_due_media(bot.runtime.uow(), bot.runtime.wechat)["sent"] == 2
    links = feedback_links(bot, routed.id)
    [resolve_event] = bot.rows(CaseEvent, CaseEvent.case_id == routed.id, CaseEvent.action == CaseAction.resolve)
    assert len(links) == 2 and {link.event_id for link in links} == {resolve_event.id}
    assert bot.rows(CaseAttachment, CaseAttachment.kind == "report") == []
    assert len(bot.cases()) == 1 and the_case(bot, NUMBER).state == CaseState.resolved

    [push] = bot.outbox("case_resolved")
    link = push.payload["link"]
    assert link.startswith(f"{bot.url}/c/{routed.id}-")
    page = requests.get(link, timeout=10)
    assert page.status_code == 200 and NUMBER in page.text and "已办结" in page.text
    assert "138****5678" in page.text and "13812345678" not in page.text
    for attachment in links:
        photo = requests.get(f"{link}/photos/{attachment.attachment_id}", timeout=10)
        assert photo.status_code == 200 and photo.headers["Content-Type"] == "image/jpeg"


def test_a_unit_photo_after_ten_minutes_or_without_banjie_gets_a_hint_and_opens_nothing(bot, world, routed, clock):
    unit = staff_phone(bot, world, f"{UNIT}联络员")
    hint = unit.photo()
    assert "没有找到您10分钟内办结的反映" in hint and "办结 编号 办理结果" in hint
    unit.say(f"办结 {NUMBER} 已补种绿植二十株")
    clock.advance(minutes=11)
    assert "没有找到您10分钟内办结的反映" in unit.photo()
    assert bot.outbox("fetch_media") == []
    assert len(bot.cases()) == 1 and feedback_links(bot, routed.id) == []


def test_another_units_photo_does_not_join_the_result(bot, world, routed, runtime):
    staff_phone(bot, world, f"{UNIT}联络员").say(f"办结 {NUMBER} 已补种绿植二十株")
    other = staff_phone(bot, world, "凯旋街道公共管理办公室联络员")
    assert "没有找到您10分钟内办结的反映" in other.photo()
    assert bot.outbox("fetch_media") == []

    uow = runtime.uow()
    with uow.transaction():
        photo = files.store_image(uow, base64.b64decode(jpeg((10, 10, 200))))
    with pytest.raises(PermissionDeniedError):
        cases.add_feedback_photos(runtime.uow(), actor_id=world.unit_staff("凯旋街道公共管理办公室").id,
                                  case_id=routed.id, attachment_ids=[photo.id])
    assert feedback_links(bot, routed.id) == []


def test_a_photo_queued_after_the_resident_rated_is_not_attached(bot, world, routed, resident):
    unit = staff_phone(bot, world, f"{UNIT}联络员")
    unit.say(f"办结 {NUMBER} 已补种绿植二十株")
    unit.photo()
    assert "感谢评价" in resident.say("满意")
    assert fetch_due_media(bot.runtime.uow(), bot.runtime.wechat)["dead"] == 1
    assert feedback_links(bot, routed.id) == []
    assert bot.rows(Case)[0].state == CaseState.closed
