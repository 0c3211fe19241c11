"""The sandbox's own rules over HTTP: tokens like WeChat's, the call log, fault settings."""
from __future__ import annotations

import requests

from server.sandbox import sandbox_state

CREDENTIALS = {"grant_type": "client_credential", "appid": "wxsandbox0000000001", "secret": "s"}


def _send(base: str, token: str) -> int:
    body = {"touser": "oA", "msgtype": "text", "text": {"content": "你好"}}
    answer = requests.post(f"{base}/cgi-bin/message/custom/send", params={"access_token": token}, json=body,
                           timeout=5).json()
    return answer["errcode"]


def test_tokens_behave_like_wechat(sandbox, clock):
    base = sandbox.base
    old = requests.get(f"{base}/cgi-bin/token", params=CREDENTIALS, timeout=5).json()["access_token"]
    assert _send(base, old) == 0
    new = requests.get(f"{base}/cgi-bin/token", params=CREDENTIALS, timeout=5).json()["access_token"]
    assert new != old and _send(base, old) == 0  # the old one keeps working during the grace period
    clock.advance(minutes=6)
    assert (_send(base, old), _send(base, new)) == (40001, 0)
    assert _send(base, "made-up") == 40001
    assert requests.post(f"{base}/cgi-bin/message/custom/send", json={}, timeout=5).json()["errcode"] == 41001

    stable = [requests.post(f"{base}/cgi-bin/stable_token", json=CREDENTIALS, timeout=5).json() for _ in range(2)]
    assert stable[0]["access_token"] == stable[1]["access_token"]
    assert _send(base, new) == 0  # stable_token does not touch cgi-bin/token's tokens
    clock.advance(hours=2)
    assert _send(base, stable[0]["access_token"]) == 42001
    forced = requests.post(f"{base}/cgi-bin/stable_token", json={**CREDENTIALS, "force_refresh": True},
                           timeout=5).json()
    assert forced["access_token"] != stable[0]["access_token"] and forced["expires_in"] == 7200
    missing = requests.get(f"{base}/cgi-bin/token", params={**CREDENTIALS, "secret": ""}, timeout=5).json()
    assert missing["errcode"] == 41004


def test_call_log_filters_and_clears(sandbox):
    requests.get(f"{sandbox.base}/cgi-bin/token", params=CREDENTIALS, timeout=5)
    requests.post(f"{sandbox.base}/cgi-bin/stable_token", json=CREDENTIALS, timeout=5)
    calls = sandbox.calls()
    assert [c["path"] for c in calls] == ["cgi-bin/token", "cgi-bin/stable_token"]
    assert calls[1]["body"] == CREDENTIALS and calls[1]["method"] == "POST"
    assert calls[0]["query"]["appid"] == CREDENTIALS["appid"] and "access_token" in calls[0]["response"]
    assert calls[0]["time"] and calls[0]["status"] == 200
    assert len(sandbox.calls("cgi-bin/token")) == 1
    assert requests.delete(f"{sandbox.base}/calls", timeout=5).status_code == 200
    assert sandbox.calls() == []


def test_faults_are_validated_counted_and_cleared(sandbox):
    bad = requests.post(f"{sandbox.base}/faults", json={"path": "cgi-bin/nope", "mode": "explode", "times": 0},
                        timeout=5)
    assert bad.status_code == 400
    assert set(bad.json()["error"]["details"]) == {"path", "mode", "times"}
    assert requests.post(f"{sandbox.base}/faults", data="x", timeout=5).status_code == 400
    sandbox.fault("cgi-bin/token", "errcode", errcode=45009, times=2)
    answers = [requests.get(f"{sandbox.base}/cgi-bin/token", params=CREDENTIALS, timeout=5).json() for _ in range(3)]
    assert [a.get("errcode") for a in answers] == [45009, 45009, None]
    sandbox.fault("cgi-bin/token", "http500", times=None)
    assert requests.get(f"{sandbox.base}/faults", timeout=5).json()["faults"][0]["times"] is None
    assert requests.get(f"{sandbox.base}/cgi-bin/token", params=CREDENTIALS, timeout=5).status_code == 500
    requests.delete(f"{sandbox.base}/faults", timeout=5)
    assert requests.get(f"{sandbox.base}/cgi-bin/token", params=CREDENTIALS, timeout=5).status_code == 200
    assert [c.get("fault") for c in sandbox.calls()] == ["errcode", "errcode", None, "http500", None]


def test_state_is_shared_with_the_user_side(live_server, sandbox, gateway):
    state = sandbox_state(live_server.app)
    state.unfollow("oLeft")
    assert not state.is_following("oLeft") and state.is_following("oNeverSeen")
    state.follow("oLeft")
    gateway.send_text("oLeft", "欢迎回来")
    assert [m["body"]["text"]["content"] for m in state.messages_for("oLeft")] == ["欢迎回来"]
    media_id = state.add_media()
    assert gateway.download_media(media_id) == state.get_media(media_id)[0]
    assert requests.get(f"{sandbox.base}/cgi-bin/showqrcode", params={"ticket": "nope"}, timeout=5).status_code == 404
    assert requests.get(f"{sandbox.base}/cgi-bin/unknown/api", timeout=5).status_code == 404
