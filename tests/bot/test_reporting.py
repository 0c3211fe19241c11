"""A resident reports by chat: the text opens a case; photos, a place and voice join it."""
from __future__ import annotations

import re

import pytest

from server.cases.models import Case, CaseAttachment, CaseEvent
from server.cases.states import CaseState
from server.chat.media import fetch_due_media
from server.chat.models import InboundMessage
from server.files.models import Attachment

from .conftest import Phone

pytestmark = pytest.mark.both_databases("the chat path: inbound claims, case numbers and pushes go through ON CONFLICT")

STORY = "祖庙巷51号小区绿化枯萎需要补种"


def test_a_text_opens_a_case_and_the_reply_gives_its_number_and_the_72_hour_promise(bot, resident, world):
    reply = resident.say(STORY)
    assert re.search(r"编号 MY-20261128-0001", reply) and "72小时" in reply
    [case] = bot.cases()
    assert case.description == STORY and case.state == CaseState.submitted and case.source == "wechat"
    assert case.street_id == world.street("hubin").id
    assert case.category_id == world.category("greenery").id
    assert {m.recipient_id for m in bot.outbox("case_submitted")} == {
        world.person("严民强").id, world.person("周立群").id}


def test_a_resident_without_a_street_is_asked_once_and_the_answer_opens_the_waiting_case(bot, world):
    phone = Phone(bot)
    reply = phone.say(STORY)
    assert "哪个街道" in reply and "1. 湖滨街道" in reply
    assert bot.cases() == []
    assert "哪个街道" in phone.say("火星")  # not a street: asked again, nothing opened
    reply = phone.say("1")
    assert reply.startswith("已为您设置所在街道：湖滨街道") and "MY-20261128-0001" in reply
    [case] = bot.cases()
    assert case.description == STORY and case.street_id == world.street("hubin").id
    assert "MY-20261128-0002" in phone.say("小区门口路灯坏了一个多星期")  # never asked again


def test_a_photo_sent_within_ten_minutes_joins_the_case_and_is_fetched_in_the_background(bot, resident, clock):
    resident.say(STORY)
    clock.advance(minutes=9)
    assert resident.photo() == "照片已补充到反映 MY-20261128-0001。"
    [case] = bot.cases()
    [fetch] = bot.outbox("fetch_media")
    assert fetch.case_id == case.id and fetch.status == "pending"
    assert fetch.payload["case_id"] == case.id and fetch.payload["reporter_id"] == case.reporter_id
    assert fetch.payload["kind"] == "image" and fetch.payload["media_id"]


def test_a_photo_after_ten_minutes_waits_for_a_new_text(bot, resident, clock):
    resident.say(STORY)
    clock.advance(minutes=11)
    assert "请用文字描述一下问题" in resident.photo()
    assert bot.outbox("fetch_media") == []


def test_a_photo_and_a_place_sent_first_wait_for_the_text_that_describes_them(bot, resident):
    assert "请用文字描述一下问题" in resident.photo()
    assert "请用文字描述一下问题" in resident.location()
    assert bot.cases() == []
    reply = resident.say(STORY)
    assert "MY-20261128-0001" in reply and "照片、位置" in reply
    [case] = bot.cases()
    assert case.location_label == "杭州市上城区祖庙巷51号" and abs(case.latitude - 30.2489) < 1e-6
    [fetch] = bot.outbox("fetch_media")
    assert fetch.case_id == case.id
    assert bot.count(InboundMessage, InboundMessage.pending.is_(True)) == 0


def test_a_location_and_a_recognised_voice_join_the_case(bot, resident):
    resident.say(STORY)
    assert resident.location() == "位置已补充到反映 MY-20261128-0001：杭州市上城区祖庙巷51号"
    assert resident.send(type="voice", recognition="旁边的树也快死了")["reply"] == "语音内容已补充到反映 MY-20261128-0001。"
    [case] = bot.cases()
    assert case.location_label == "杭州市上城区祖庙巷51号"
    notes = [e.note for e in bot.rows(CaseEvent, CaseEvent.case_id == case.id)]
    assert notes[-1] == "旁边的树也快死了"


def test_a_voice_without_recognition_asks_for_words_and_a_first_voice_opens_a_case(bot, resident):
    assert "请用文字描述" in resident.send(type="voice")["reply"]
    assert "MY-20261128-0001" in resident.send(type="voice", recognition="楼下餐馆油烟很大晚上噪音扰民")["reply"]
    [case] = bot.cases()
    assert case.category_id is not None


def test_greetings_thanks_and_short_texts_open_no_case(bot, resident):
    for text in ("你好", "谢谢！", "好的", "嗯", "路灯", "👍👍👍👍👍👍"):
        reply = resident.say(text)
        assert "已收到您的反映" not in reply, text
    assert "不客气" in resident.say("谢谢！")
    assert "请直接用文字描述" in resident.say("你好")
    assert bot.cases() == []


def test_emoji_and_a_2000_character_text_are_kept_whole(bot, resident):
    emoji = "小区门口路灯坏了🌃，晚上出行不安全😟👵"
    resident.say(emoji)
    long_text = ("祖庙巷51号绿化枯萎需要补种🌳" * 200)[:2000]
    assert "MY-20261128-0002" in resident.say(long_text)
    first, second = bot.cases()
    assert first.description == emoji
    assert second.description == long_text and len(second.description) == 2000
    assert "2000 字以内" in resident.say(long_text + "多")
    assert len(bot.cases()) == 2


def test_anything_not_understood_gets_help_not_an_error(bot, resident):
    reply = resident.send(type="link", title="公众平台官网链接", url="https://mp.weixin.qq.com")["reply"]
    assert "暂不支持" in reply and "帮助" in reply
    assert "查询" in resident.say("帮助")
    assert bot.count(Case) == 0


def test_the_media_job_downloads_the_photo_and_attaches_it_to_the_case(bot, resident):
    resident.say(STORY)
    resident.photo()
    assert fetch_due_media(bot.runtime.uow(), bot.runtime.wechat)["sent"] == 1
    [case] = bot.cases()
    [link] = bot.rows(CaseAttachment, CaseAttachment.case_id == case.id)
    [attachment] = bot.rows(Attachment, Attachment.id == link.attachment_id)
    assert link.kind == "report" and attachment.content_type == "image/jpeg"
    assert bot.runtime.storage.exists(attachment.sha256)
    assert [row.status for row in bot.outbox("fetch_media")] == ["sent"]
