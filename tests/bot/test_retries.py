"""WeChat retries a message up to three times, sometimes while the first is still running:
one effect, one reply, whatever the timing and however many processes answer."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from server.cases.models import Case
from server.chat.models import InboundMessage
from server.people.models import Person, WechatIdentity

from .conftest import Phone

pytestmark = pytest.mark.both_databases("the chat path: inbound messages are claimed once through ON CONFLICT … RETURNING")

STORY = "祖庙巷51号小区绿化枯萎需要补种"


def test_three_concurrent_retries_make_one_case_and_get_the_same_reply(bot, resident):
    result = resident.send(type="text", content=STORY, copies=3)
    replies = [delivery["reply"] for delivery in result["deliveries"]]
    assert len(replies) == 3 and len(set(replies)) == 1 and "MY-20261128-0001" in replies[0]
    assert bot.count(Case) == 1
    assert bot.count(InboundMessage, InboundMessage.dedupe_key == f"msg:{result['msg_id']}") == 1


def test_a_late_retry_gets_the_stored_reply_and_changes_nothing(bot, resident, clock):
    first = resident.send(type="text", content=STORY)
    clock.advance(seconds=4)
    again = resident.send(type="text", content=STORY, msg_id=first["msg_id"])
    assert again["reply"] == first["reply"]
    assert bot.count(Case) == 1


def test_retries_spread_over_several_server_processes_make_one_case(serve, world):
    """Two app instances with their own connection pools play two web processes behind WeChat."""
    servers = [serve(), serve()]
    phone = Phone(servers[0])
    phone.live_on(world.street("hubin").id)
    side = {"openid": phone.openid, "type": "text", "content": STORY, "msg_id": "8800000000000001"}

    def post(server):
        return requests.post(f"{server.url}/sandbox/user/send", json={**side, "retries": False}, timeout=30).json()

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(post, servers * 3))
    assert len({r["reply"] for r in results}) == 1 and "MY-20261128-0001" in results[0]["reply"]
    assert servers[0].count(Case) == 1


def test_events_are_deduplicated_on_sender_time_and_event(bot, world):
    phone = Phone(bot)
    scan = {"type": "event", "event": "SCAN", "scene": f"street:{world.street('caihe').id}",
            "create_time": 1795827600}
    first = phone.send(**scan)
    again = phone.send(**scan)
    assert first["reply"] == again["reply"]
    assert bot.count(InboundMessage) == 1


def test_a_new_users_first_messages_arriving_at_once_make_one_resident(bot, world):
    phone = Phone(bot)
    texts = ["你好", "在吗", "谢谢", "好的"]
    with ThreadPoolExecutor(max_workers=4) as pool:
        replies = list(pool.map(lambda text: phone.say(text), texts))
    assert all(replies)
    assert bot.count(WechatIdentity, WechatIdentity.openid == phone.openid) == 1
    assert bot.count(Person, Person.name == f"微信用户{phone.openid[-4:]}") == 1
    assert bot.count(InboundMessage) == 4
