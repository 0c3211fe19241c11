"""Two web processes, one sandbox: with REDIS_URL set, what one instance's sandbox learns the other knows.

Like two gunicorn workers: two apps built by `create_app` on two ports, sharing the database and Redis,
each pointing its WeChat gateway at its own /sandbox/api. Without Redis each keeps its own memory.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from server.demo.people import DEMO_PASSWORD
from server.pushes.dispatch import dispatch_due
from server.sandbox import sandbox_state
from server.sandbox.redis_store import RedisSandboxStore
from tests.conftest import REDIS_URL

from .conftest import Phone

CREDENTIALS = {"grant_type": "client_credential", "appid": "wxsandbox0000000001", "secret": "s"}
STORY = "祖庙巷51号小区绿化枯萎需要补种"



@pytest.fixture
def workers(serve, redis_prefix):
    """Two instances of the app sharing the database and one Redis (one key prefix)."""
    pair = [serve(REDIS_URL=REDIS_URL, MINYI_REDIS_PREFIX=redis_prefix) for _ in range(2)]
    assert all(isinstance(sandbox_state(worker.app).store, RedisSandboxStore) for worker in pair)
    return pair


def _api(worker) -> str:
    return f"{worker.url}/sandbox/api"


def _token(worker) -> str:
    return requests.get(f"{_api(worker)}/cgi-bin/token", params=CREDENTIALS, timeout=10).json()["access_token"]


def _send_text(worker, token: str, openid: str = "oShared") -> int:
    body = {"touser": openid, "msgtype": "text", "text": {"content": "你好"}}
    return requests.post(f"{_api(worker)}/cgi-bin/message/custom/send", params={"access_token": token},
                         json=body, timeout=10).json()["errcode"]


def _deputy_phone(worker, world, name: str = "严民强") -> Phone:
    person = world.person(name)
    signed_in = requests.post(f"{worker.url}/api/v1/auth/password",
                              json={"username": person.username, "password": DEMO_PASSWORD}, timeout=10)
    code = requests.post(f"{worker.url}/api/v1/me/bind-code", timeout=10,
                         headers={"Authorization": f"Bearer {signed_in.json()['access_token']}"}).json()["code"]
    phone = Phone(worker)
    assert phone.scan(f"bind:{code}", subscribe=True).startswith("欢迎关注")
    return phone


def test_a_push_dispatched_by_one_instance_shows_on_the_other_instances_chat_page(workers, world):
    a, b = workers
    deputy = _deputy_phone(a, world)
    resident = Phone(a)
    resident.live_on(world.street("hubin").id)
    assert "已收到您的反映" in resident.say(STORY)
    dispatch_due(b.runtime.uow(), b.runtime.wechat)  # B's dispatcher sends through B's sandbox API
    pushes = requests.get(f"{a.url}/sandbox/user/pushes", params={"openid": deputy.openid}, timeout=10).json()
    assert any("MY-20261128-0001" in str(push["body"]) for push in pushes["pushes"])
    sent = requests.get(f"{_api(a)}/calls", params={"path": "cgi-bin/message/template/send"}, timeout=10).json()
    assert sent["calls"] and all(call["status"] == 200 for call in sent["calls"])  # B's calls, listed on A


def test_a_token_issued_by_one_instance_is_accepted_by_the_other(workers):
    a, b = workers
    old = _token(a)
    assert _send_text(b, old) == 0
    new = _token(b)  # B's new token retires A's after the grace period, as one WeChat would
    assert (_send_text(a, new), _send_text(a, old)) == (0, 0)
    requests.post(f"{_api(a)}/tokens/revoke", timeout=10).raise_for_status()
    assert (_send_text(b, old), _send_text(b, new)) == (40001, 40001)


def test_racing_instances_get_one_stable_token(workers):
    a, b = workers
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda worker: requests.post(f"{_api(worker)}/cgi-bin/stable_token",
                                                             json=CREDENTIALS, timeout=10).json(), [a, b] * 4))
    assert len({answer["access_token"] for answer in answers}) == 1


def test_media_uploaded_through_one_instance_downloads_through_the_other(workers):
    a, b = workers
    media_id = requests.post(f"{_api(a)}/media", data=b"\xff\xd8photo-bytes", timeout=10).json()["media_id"]
    got = requests.get(f"{_api(b)}/cgi-bin/media/get", params={"access_token": _token(b), "media_id": media_id},
                       timeout=10)
    assert got.status_code == 200 and got.content == b"\xff\xd8photo-bytes"


def test_a_fault_injected_through_one_instance_affects_the_other_and_is_counted_once(workers):
    a, b = workers
    token = _token(a)
    response = requests.post(f"{_api(a)}/faults", json={"path": "cgi-bin/message/custom/send", "mode": "errcode",
                                                       "errcode": 45009, "times": 3}, timeout=10)
    assert response.status_code == 201
    assert requests.get(f"{_api(b)}/faults", timeout=10).json()["faults"][0]["times"] == 3
    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(lambda worker: _send_text(worker, token), [b, a] * 3))
    assert sorted(answers) == [0, 0, 0, 45009, 45009, 45009]  # three uses in all, whichever worker
    assert requests.get(f"{_api(b)}/faults", timeout=10).json()["faults"] == []


def test_without_redis_each_instance_keeps_its_own_sandbox(serve):
    a, b = serve(REDIS_URL=""), serve(REDIS_URL="")
    assert not isinstance(sandbox_state(a.app).store, RedisSandboxStore)
    assert _send_text(b, _token(a)) == 40001  # why gunicorn workers need REDIS_URL
