"""Safe mode (AES): msg_signature over the ciphertext, encrypted replies, the previous key after rotation."""
from __future__ import annotations

import requests

from server.cases.models import Case
from server.chat.models import InboundMessage
from server.sandbox.wechat_user import sign

from .conftest import AES_KEY, PREVIOUS_AES_KEY, Phone

STORY = "祖庙巷51号小区绿化枯萎需要补种"


def test_a_report_in_safe_mode_round_trips_encrypted(serve, world):
    bot = serve(WECHAT_ENCODING_AES_KEY=AES_KEY)
    phone = Phone(bot, mode="aes")
    phone.live_on(world.street("hubin").id)
    result = phone.send(type="text", content=STORY)
    assert "MY-20261128-0001" in result["reply"]
    raw_reply = result["deliveries"][0]["attempts"][0]["body"]
    assert "<Encrypt>" in raw_reply and "MY-" not in raw_reply  # WeChat gets the envelope, not the text
    assert bot.count(Case) == 1


def test_after_a_key_rotation_the_previous_key_still_works(serve, world):
    bot = serve(WECHAT_ENCODING_AES_KEY=AES_KEY, WECHAT_PREVIOUS_ENCODING_AES_KEY=PREVIOUS_AES_KEY)
    phone = Phone(bot, mode="aes")
    result = phone.send(type="text", content="你好", aes_key=PREVIOUS_AES_KEY)
    assert "请直接用文字描述" in result["reply"]  # the reply is sealed with the key that opened it


def test_an_unknown_key_is_refused_and_nothing_is_stored(serve):
    bot = serve(WECHAT_ENCODING_AES_KEY=AES_KEY)
    other_key = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFG"
    body = "<xml><FromUserName>o-aes</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType></xml>"
    result = bot.raw(body=body, mode="aes", aes_key=other_key)
    assert result["status"] == 400 and "undecryptable" in result["body"]
    assert bot.count(InboundMessage) == 0


def test_a_wrong_msg_signature_is_refused_with_403(serve):
    bot = serve(WECHAT_ENCODING_AES_KEY=AES_KEY)
    body = "<xml><FromUserName>o-aes</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType></xml>"
    assert bot.raw(body=body, mode="aes", bad_signature=True)["status"] == 403
    assert bot.raw(body=body, mode="aes", timestamp_offset=-600)["status"] == 403
    assert bot.count(InboundMessage) == 0


def test_safe_mode_without_a_configured_key_is_a_clear_400(bot):
    body = "<xml><FromUserName>o-aes</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType></xml>"
    result = bot.raw(body=body, mode="aes", aes_key=AES_KEY)
    assert result["status"] == 400 and "safe_mode_off" in result["body"]


def test_url_verification_echoes_echostr_only_when_signed(bot):
    timestamp = str(int(bot.runtime.clock.now().timestamp()))
    query = {"timestamp": timestamp, "nonce": "42", "echostr": "hello-wechat",
             "signature": sign("minyi-sandbox-token", timestamp, "42")}
    response = requests.get(f"{bot.url}/wechat", params=query, timeout=10)
    assert response.status_code == 200 and response.text == "hello-wechat"
    response = requests.get(f"{bot.url}/wechat", params={**query, "signature": "0" * 40}, timeout=10)
    assert response.status_code == 403 and "hello-wechat" not in response.text
