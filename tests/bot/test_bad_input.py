"""Hostile or broken requests: a clear 4xx or a polite reply, nothing stored, the process unharmed."""
from __future__ import annotations

import time

import pytest
import requests

from server.cases.models import Case
from server.chat.models import InboundMessage

from .conftest import Phone

TEXT = ("<xml><ToUserName><![CDATA[gh_minyi_sandbox]]></ToUserName><FromUserName><![CDATA[o-raw]]></FromUserName>"
        "<CreateTime>1795827600</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        "<Content><![CDATA[小区门口路灯坏了一个多星期]]></Content><MsgId>7000000000000001</MsgId></xml>")
XXE = ('<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
       "<xml><ToUserName>gh</ToUserName><FromUserName>o-raw</FromUserName><CreateTime>1795827600</CreateTime>"
       "<MsgType>text</MsgType><Content>&xxe;</Content><MsgId>7000000000000002</MsgId></xml>")
BILLION_LAUGHS = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                  + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'
                            for i in range(1, 10))
                  + "]><xml><FromUserName>o-raw</FromUserName><CreateTime>1795827600</CreateTime>"
                    "<MsgType>text</MsgType><Content>&lol9;</Content><MsgId>7000000000000003</MsgId></xml>")


def _refused(bot, status: int, code: str | None = None, **raw) -> dict:
    result = bot.raw(**raw)
    assert result["status"] == status, result
    if code:
        assert f'"code":"{code}"' in result["body"].replace(" ", "")
    assert bot.count(InboundMessage) == 0 and bot.count(Case) == 0
    return result


def test_a_wrong_signature_is_refused_with_403_and_nothing_is_stored(bot):
    _refused(bot, 403, "invalid_signature", body=TEXT, bad_signature=True)
    _refused(bot, 403, "invalid_signature", body=TEXT, mode="unsigned")


@pytest.mark.parametrize("offset", [-301, 301])
def test_a_timestamp_outside_five_minutes_is_refused(bot, offset):
    _refused(bot, 403, "stale_timestamp", body=TEXT, timestamp_offset=offset)


def test_a_timestamp_inside_five_minutes_is_accepted(bot):
    assert bot.raw(body=TEXT, timestamp_offset=-299)["status"] == 200


@pytest.mark.parametrize("body", [
    "<xml><ToUserName>gh</ToUserName>",  # cut off
    "<foo><MsgType>text</MsgType></foo>",  # no <xml> root
    "<xml><FromUserName>o-raw</FromUserName><CreateTime>1</CreateTime></xml>",  # no MsgType
    "<xml><ToUserName>gh</ToUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>x</Content></xml>",
    "<xml><FromUserName>o-raw</FromUserName><CreateTime>now</CreateTime><MsgType>text</MsgType></xml>",
    "<xml><FromUserName><a>1</a></FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType></xml>",
    "",
])
def test_malformed_xml_gets_a_clear_400(bot, body):
    _refused(bot, 400, body=body)


def test_an_external_entity_is_refused_and_never_read(bot):
    result = _refused(bot, 400, "malformed_xml", body=XXE)
    assert "root:" not in result["body"]


def test_entity_expansion_is_refused_at_once(bot):
    started = time.monotonic()
    _refused(bot, 400, "malformed_xml", body=BILLION_LAUGHS)
    assert time.monotonic() - started < 2
    assert requests.get(f"{bot.url}/healthz", timeout=5).status_code == 200  # the process is unharmed


def test_an_unknown_message_type_gets_the_polite_fallback_and_nothing_is_stored(bot):
    body = TEXT.replace("<![CDATA[text]]>", "<![CDATA[hologram]]>")
    result = bot.raw(body=body)
    assert result["status"] == 200 and "暂不支持这类消息" in result["body"]
    assert bot.count(InboundMessage) == 0


def test_an_unknown_event_is_acknowledged_without_a_reply(bot):
    body = ("<xml><ToUserName>gh</ToUserName><FromUserName>o-raw</FromUserName><CreateTime>1795827600</CreateTime>"
            "<MsgType>event</MsgType><Event>subscribe_msg_popup_event</Event><SubscribeMsgPopupEvent><List>"
            "<TemplateId>t1</TemplateId><SubscribeStatusString>accept</SubscribeStatusString></List>"
            "</SubscribeMsgPopupEvent></xml>")
    assert bot.raw(body=body) == {"status": 200, "body": "success", "error": None}
    assert bot.count(InboundMessage) == 0


def test_a_body_over_256_kb_is_refused_with_413(bot):
    _refused(bot, 413, "payload_too_large", size=90_000)  # 90,000 three-byte characters
    assert bot.raw(size=80_000)["status"] == 200  # 240 KB still fits


def test_a_rate_limit_per_openid_answers_politely_with_200(serve, world):
    bot = serve(MINYI_BOT_RATE_LIMIT="3/minute")
    chatty, other = Phone(bot), Phone(bot)
    for n in range(3):
        assert "太频繁" not in chatty.say(f"你好{n}")
    result = chatty.send(type="text", content="小区门口路灯坏了一个多星期")
    assert not result["failed"] and result["reply"] == "您发送得太频繁了，请稍等一分钟再发。"
    assert bot.count(InboundMessage) == 3 and bot.count(Case) == 0
    assert "太频繁" not in other.say("你好")  # per openid, not per IP: everyone comes from WeChat's servers


def test_with_redis_the_limit_is_shared_by_every_process(serve, world):
    first = serve(REDIS_URL="redis://127.0.0.1:6379/11", MINYI_BOT_RATE_LIMIT="2/minute")
    second = serve(REDIS_URL="redis://127.0.0.1:6379/11", MINYI_BOT_RATE_LIMIT="2/minute")
    phone = Phone(first)
    assert "太频繁" not in phone.say("你好")
    assert "太频繁" not in Phone(second, phone.openid).say("你好呀")
    assert "太频繁" in Phone(second, phone.openid).say("在吗")


def test_while_redis_is_down_residents_are_answered_and_still_limited_per_process(serve, world):
    bot = serve(REDIS_URL="redis://127.0.0.1:1/0", MINYI_BOT_RATE_LIMIT="2/minute")
    phone = Phone(bot)
    started = time.monotonic()
    assert "太频繁" not in phone.say("你好")
    assert "太频繁" not in phone.say("你好呀")
    assert "太频繁" in phone.say("在吗")
    assert time.monotonic() - started < 5
