"""The sample messages of WeChat's own documentation (接收普通消息 / 接收事件推送), as published,
each get a sensible reply. Their CreateTime is from 2012; the freshness check is on the URL's
timestamp, which the sandbox signs now, as WeChat does."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import delete

from server.chat.models import InboundMessage

pytestmark = pytest.mark.both_databases("the chat path: every kind of inbound message through the ON CONFLICT claim")

SAMPLES = Path(__file__).parent / "samples"
EXPECTED = {
    "text.xml": "请问您住在哪个街道",  # "this is a test" from a new resident: a report, so the street is asked
    "image.xml": "请用文字描述一下问题",
    "voice.xml": "暂时无法识别语音内容",
    "voice_recognition.xml": "请问您住在哪个街道",  # "腾讯微信团队" counts as a text
    "video.xml": "暂不支持这类消息",
    "shortvideo.xml": "暂不支持这类消息",
    "location.xml": "请用文字描述一下问题",
    "link.xml": "暂不支持这类消息",
    "event_subscribe.xml": "欢迎关注民意直通车",
    "event_unsubscribe.xml": None,
    "event_subscribe_qrscene.xml": "欢迎关注民意直通车",
    "event_scan.xml": "回复“查询”",
    "event_location.xml": None,
    "event_click.xml": "回复“查询”",
    "event_view.xml": None,
}


def test_every_documented_sample_gets_a_sensible_reply(bot, world):
    answers = {}
    for name in sorted(EXPECTED):
        result = bot.raw(body=(SAMPLES / name).read_text(encoding="utf-8"))
        assert result["status"] == 200, (name, result)
        answers[name] = result["body"]
        # The published samples all share MsgId 1234567890123456: forget each one, or the next
        # would rightly be taken for a retry of it.
        with bot.runtime.uow().transaction() as session:
            session.execute(delete(InboundMessage))
    for name, expected in EXPECTED.items():
        if expected is None:
            assert answers[name] == "success", name  # events that need no answer
        else:
            assert expected in answers[name], (name, answers[name])
            assert "<MsgType><![CDATA[text]]></MsgType>" in answers[name]
            assert "<ToUserName><![CDATA[" in answers[name]


def test_every_sample_is_covered():
    assert sorted(p.name for p in SAMPLES.glob("*.xml")) == sorted(EXPECTED)
