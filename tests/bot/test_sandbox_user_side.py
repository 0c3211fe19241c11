"""The sandbox's user side behaves like WeChat towards a webhook: signs, and retries a failed or late reply
with the same message (three attempts in all)."""
from __future__ import annotations

import threading
import time

import pytest
import xmltodict
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from server.sandbox.wechat_user import WechatUserSide, message_xml, sign

REPLY = ("<xml><ToUserName><![CDATA[o-1]]></ToUserName><FromUserName><![CDATA[gh]]></FromUserName>"
         "<CreateTime>1</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[收到]]></Content></xml>")


@pytest.fixture
def flaky_webhook():
    """A webhook that fails (500), then is late (sleeps past the timeout), then answers."""
    seen: list[tuple[dict, bytes]] = []

    @Request.application
    def app(request: Request) -> Response:
        seen.append((request.args.to_dict(), request.get_data()))
        if len(seen) == 1:
            return Response("boom", status=500)
        if len(seen) == 2:
            time.sleep(0.6)
        return Response(REPLY, mimetype="application/xml")

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/wechat", seen
    server.shutdown()
    thread.join(timeout=5)


def test_a_failed_then_late_reply_is_retried_with_the_same_message(flaky_webhook):
    url, seen = flaky_webhook
    side = WechatUserSide(bot_url=url, token="t0ken", app_id="wxapp", timeout=0.3)
    xml = message_xml({"ToUserName": "gh", "FromUserName": "o-1", "CreateTime": 1, "MsgType": "text",
                       "Content": "你好", "MsgId": 42})
    delivery = side.post(xml, openid="o-1")
    assert [a.status for a in delivery.attempts] == [500, None, 200]
    assert delivery.attempts[1].error == "ReadTimeout"
    assert delivery.reply == "收到" and not delivery.failed
    assert len({body for _, body in seen}) == 1  # the same message each time
    for query, _ in seen:
        assert query["signature"] == sign("t0ken", query["timestamp"], query["nonce"])


def test_three_failures_show_the_user_that_the_account_cannot_serve():
    # Nothing listens on the discard port.
    side = WechatUserSide(bot_url="http://127.0.0.1:9/wechat", token="t", app_id="wx", timeout=0.3)
    delivery = side.post("<xml/>", openid="o-1")
    assert len(delivery.attempts) == 3 and delivery.failed and delivery.reply is None


def test_cdata_keeps_a_closing_marker_inside_the_text():
    assert xmltodict.parse(message_xml({"Content": "a]]>b"}))["xml"]["Content"] == "a]]>b"
