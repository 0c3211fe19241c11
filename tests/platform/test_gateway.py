"""WeChatGateway against the sandbox over HTTP: every API, and how each failure is reported."""
from __future__ import annotations

import io
import time
from datetime import timedelta

import pytest
import redis
from PIL import Image

from server.core.settings import load_settings
from server.sandbox import openid_for_code, scene_from_ticket
from server.wechat import WeChatPermanentError, WeChatTokenError, WeChatTransientError, build_gateway
from tests.platform.conftest import FAST_TIMEOUT, Sandbox

TEMPLATE = "cgi-bin/message/template/send"
DATA = {"title": {"value": "新反映请接收"}, "content": {"value": "祖庙巷51号小区绿化枯萎"}}


def test_messages_reach_the_sandbox_with_one_token(gateway, sandbox):
    gateway.send_text("oResident1", "您好，已收到您的反映 😊")
    assert gateway.send_template("oDeputy1", "tpl-1", DATA, url="https://example.org/c/1")["msgid"] > 0
    gateway.send_subscribe_bizsend("oResident1", "tpl-sub", DATA, page="pages/case?id=1")
    gateway.send_miniapp_subscribe("oMini1", "tpl-mini", DATA, page="pages/case", miniprogram_state="trial")

    text = sandbox.calls("cgi-bin/message/custom/send")[0]
    assert text["body"] == {"touser": "oResident1", "msgtype": "text", "text": {"content": "您好，已收到您的反映 😊"}}
    assert sandbox.calls(TEMPLATE)[0]["body"]["url"] == "https://example.org/c/1"
    assert sandbox.calls("cgi-bin/message/subscribe/bizsend")[0]["body"]["page"] == "pages/case?id=1"
    mini = sandbox.calls("cgi-bin/message/subscribe/send")[0]["body"]
    assert (mini["miniprogram_state"], mini["lang"]) == ("trial", "zh_CN")
    # One stable_token per app (official account, mini-program); never the invalidating cgi-bin/token.
    assert len(sandbox.calls("cgi-bin/stable_token")) == 2
    assert sandbox.calls("cgi-bin/token") == []
    mp_token = sandbox.calls(TEMPLATE)[0]["query"]["access_token"]
    assert sandbox.calls("cgi-bin/message/custom/send")[0]["query"]["access_token"] == mp_token


def test_media_download_returns_the_jpeg(gateway, sandbox):
    media_id = sandbox.media()
    data = gateway.download_media(media_id)
    assert Image.open(io.BytesIO(data)).format == "JPEG"
    with pytest.raises(WeChatPermanentError) as caught:
        gateway.download_media("no-such-media")
    assert caught.value.errcode == 40007


def test_qrcode_ticket_carries_the_scene_and_draws(gateway, sandbox, live_server):
    temporary = gateway.create_qrcode("topic:12", expire_seconds=3600)
    assert temporary["expire_seconds"] == 3600
    assert scene_from_ticket(temporary["ticket"]) == "topic:12"
    assert temporary["url"].startswith(f"{live_server.url}/sandbox/qr/")
    permanent = gateway.create_qrcode("street:3", permanent=True)
    assert permanent["expire_seconds"] is None
    assert sandbox.calls("cgi-bin/qrcode/create")[1]["body"]["action_name"] == "QR_LIMIT_STR_SCENE"
    image = gateway.mp.qrcode.show(permanent["ticket"])
    assert image.status_code == 200 and Image.open(io.BytesIO(image.content)).format == "PNG"
    assert permanent["image_url"].startswith(f"{live_server.url}/sandbox/api/cgi-bin/showqrcode?ticket=")
    with pytest.raises(ValueError):
        gateway.create_qrcode("x" * 65)


def test_code_to_session_fetches_no_access_token(gateway, sandbox):
    first = gateway.code_to_session("code-abc")
    assert first["openid"] == openid_for_code("code-abc") == gateway.code_to_session("code-abc")["openid"]
    assert first["session_key"] and first["unionid"]
    assert gateway.code_to_session("code-xyz")["openid"] != first["openid"]
    with pytest.raises(WeChatPermanentError) as caught:
        gateway.code_to_session("invalid")
    assert caught.value.errcode == 40029
    assert sandbox.calls("cgi-bin/stable_token") == []
    assert all("access_token" not in call["query"] for call in sandbox.calls("sns/jscode2session"))


def test_wxa_code_is_a_png(gateway, sandbox):
    png = gateway.get_wxa_code_unlimited("case=MY-1", page="pages/case/detail")
    assert Image.open(io.BytesIO(png)).format == "PNG"
    assert sandbox.calls("wxa/getwxacodeunlimit")[0]["body"]["scene"] == "case=MY-1"


def test_40001_refreshes_once_and_retries(gateway, sandbox):
    gateway.send_template("oDeputy1", "tpl-1", DATA)
    sandbox.fault(TEMPLATE, "errcode", errcode=40001, times=1)
    assert gateway.send_template("oDeputy1", "tpl-1", DATA)["errcode"] == 0
    assert len(sandbox.calls("cgi-bin/stable_token")) == 2
    assert len(sandbox.calls(TEMPLATE)) == 3


@pytest.mark.parametrize("errcode", [40001, 42001])
def test_token_refused_after_the_refresh_gives_up(gateway, sandbox, errcode):
    sandbox.fault(TEMPLATE, "errcode", errcode=errcode, times=None)
    with pytest.raises(WeChatTokenError) as caught:
        gateway.send_template("oDeputy1", "tpl-1", DATA)
    assert caught.value.errcode == errcode
    assert len(sandbox.calls(TEMPLATE)) == 2  # the first try and one retry, no recursion
    assert len(sandbox.calls("cgi-bin/stable_token")) == 2


def test_expired_token_is_refreshed(gateway, sandbox, clock):
    gateway.send_text("oResident1", "第一条")
    clock.advance(hours=2, minutes=1)  # the sandbox's token has expired; our storage does not know yet
    gateway.send_text("oResident1", "第二条")
    answers = [call["response"]["errcode"] for call in sandbox.calls("cgi-bin/message/custom/send")]
    assert answers == [0, 42001, 0]


@pytest.mark.parametrize("fault", [{"mode": "errcode", "errcode": 45009}, {"mode": "errcode", "errcode": -1},
                                   {"mode": "http500"}])
def test_busy_and_server_errors_are_transient(gateway, sandbox, fault):
    sandbox.fault(TEMPLATE, **fault)
    with pytest.raises(WeChatTransientError) as caught:
        gateway.send_template("oDeputy1", "tpl-1", DATA)
    assert caught.value.errcode == fault.get("errcode")
    assert gateway.send_template("oDeputy1", "tpl-1", DATA)["errcode"] == 0


def test_timeout_is_bounded_and_transient(gateway, sandbox):
    gateway.send_template("oDeputy1", "tpl-1", DATA)  # the token is already there
    sandbox.fault(TEMPLATE, "timeout", delay=3.0)
    started = time.monotonic()
    with pytest.raises(WeChatTransientError, match="timed out"):
        gateway.send_template("oDeputy1", "tpl-1", DATA)
    assert time.monotonic() - started < 2.0  # gave up at the 0.5 s read timeout, not after the 3 s answer


def test_token_endpoint_failure_is_transient(gateway, sandbox):
    sandbox.fault("cgi-bin/stable_token", "http500")
    with pytest.raises(WeChatTransientError) as caught:
        gateway.send_text("oResident1", "你好")
    assert caught.value.api == "cgi-bin/stable_token"
    assert sandbox.calls("cgi-bin/message/custom/send") == []


def test_a_refused_token_fetch_is_a_token_error_not_a_permanent_one(gateway, sandbox):
    sandbox.fault("cgi-bin/stable_token", "errcode", errcode=40164)  # e.g. server IP not whitelisted
    with pytest.raises(WeChatTokenError) as caught:
        gateway.send_template("oDeputy1", "tpl-1", DATA)
    assert (caught.value.errcode, caught.value.api) == (40164, "cgi-bin/stable_token")
    assert gateway.send_template("oDeputy1", "tpl-1", DATA)["errcode"] == 0


def test_refusals_are_permanent(gateway, sandbox, clock):
    sandbox.user("oGone", following=False)
    with pytest.raises(WeChatPermanentError) as caught:
        gateway.send_template("oGone", "tpl-1", DATA)
    assert caught.value.errcode == 43004
    sandbox.user("oQuiet", last_message_at=(clock.now() - timedelta(hours=49)).isoformat())
    with pytest.raises(WeChatPermanentError) as caught:
        gateway.send_text("oQuiet", "窗口已关闭")
    assert caught.value.errcode == 45015
    sandbox.user("oNoThanks", refuses_subscription=True)
    with pytest.raises(WeChatPermanentError) as caught:
        gateway.send_subscribe_bizsend("oNoThanks", "tpl-sub", DATA)
    assert caught.value.errcode == 43101
    with pytest.raises(WeChatPermanentError) as caught:
        gateway.send_template("oDeputy1", "tpl-1", {"content": "不是对象"})
    assert caught.value.errcode == 47003
    with pytest.raises(WeChatPermanentError) as caught:
        gateway.send_template("", "tpl-1", DATA)
    assert caught.value.errcode == 40003
    assert sandbox.calls("cgi-bin/stable_token")[0]["response"]["access_token"]  # one token served them all
    assert len(sandbox.calls("cgi-bin/stable_token")) == 1


def test_runtime_builds_one_gateway_lazily(live_server):
    runtime = live_server.runtime
    assert runtime.redis is None  # no REDIS_URL in the live server's settings
    assert runtime.wechat is runtime.wechat
    base = f"{live_server.url}/sandbox/api"
    urls = (runtime.wechat.mp.API_BASE_URL, runtime.wechat.miniapp.wxa.API_BASE_URL)
    assert urls == (f"{base}/cgi-bin/", f"{base}/")


def test_redis_down_is_a_transient_error(standalone_sandbox):
    sandbox = Sandbox(f"{standalone_sandbox}/sandbox/api")
    settings = load_settings({"DATABASE_URL": "sqlite://", "WECHAT_API_BASE": sandbox.base,
                              "REDIS_URL": "redis://127.0.0.1:1/0"})
    unreachable = redis.Redis.from_url(settings.redis_url, socket_connect_timeout=0.5)
    gateway = build_gateway(settings, redis=unreachable, timeout=FAST_TIMEOUT)
    with pytest.raises(WeChatTransientError, match="token storage unavailable"):
        gateway.send_text("oResident1", "你好")
    assert sandbox.calls() == []
