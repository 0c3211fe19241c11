"""Deputies answer linkage invitations in chat, through the sandbox over HTTP: 邀请, 参加 N, 不参加 N."""
from __future__ import annotations

from datetime import timedelta

import pytest
import requests

from server.demo.people import DEMO_PASSWORD
from server.linkage import queries
from server.linkage import service as linkage
from tests.bot.conftest import Phone

pytestmark = pytest.mark.both_databases("the chat path: the answer is written inside the message's transaction")


def bound_phone(server, world, name: str) -> Phone:
    person = world.person(name)
    tokens = requests.post(f"{server.url}/api/v1/auth/password", timeout=10,
                           json={"username": person.username, "password": DEMO_PASSWORD}).json()
    code = requests.post(f"{server.url}/api/v1/me/bind-code", timeout=10,
                         headers={"Authorization": f"Bearer {tokens['access_token']}"}).json()["code"]
    phone = Phone(server)
    assert phone.scan(f"bind:{code}", subscribe=True).startswith("欢迎关注")
    return phone


def test_a_deputy_lists_and_answers_invitations_in_chat(bot, lk, world, clock):
    task = lk.issued()
    aid = lk.assignment_id(task.id)
    linkage.acknowledge_assignment(lk.uow, actor_id=lk.id("蔡静"), assignment_id=aid)
    linkage.plan_activity(lk.uow, actor_id=lk.id("蔡静"), assignment_id=aid, kind="inspection", title="无障碍设施专项视察",
                          starts_at=clock.now() + timedelta(days=2), place="采荷街道办事处",
                          deputy_ids=[lk.id("李春梅")])
    [invitation] = queries.my_invitations(lk.uow, deputy_id=lk.id("李春梅"))
    phone = bound_phone(bot, world, "李春梅")
    listed = phone.say("邀请")
    assert "无障碍设施专项视察" in listed and f"{invitation['id']}." in listed and "未答复" in listed
    assert phone.say(f"参加 {invitation['id']}").startswith("已答复：参加视察“无障碍设施专项视察”")
    assert queries.my_invitations(lk.uow, deputy_id=lk.id("李春梅"))[0]["answer"] == "attend"
    assert phone.say("不参加").startswith("已答复：不参加")  # the one open invitation, without its number
    assert queries.my_invitations(lk.uow, deputy_id=lk.id("李春梅"))[0]["answer"] == "decline"

    other = bound_phone(bot, world, "赵志刚")
    assert other.say(f"参加 {invitation['id']}") == "找不到该邀请"
    assert other.say("邀请") == "目前没有待参加的活动邀请。"
    clock.advance(days=3)
    assert phone.say(f"参加 {invitation['id']}") == "活动已开始，不能再答复"
    assert queries.my_invitations(lk.uow, deputy_id=lk.id("李春梅"))[0]["answer"] == "decline"


def test_residents_words_that_start_like_an_answer_are_reports(bot, world):
    resident = Phone(bot)
    resident.live_on(world.street("caihe").id)
    assert "已收到您的反映" in resident.say("参加社区活动时发现芙蓉社区盲道被占")
    assert resident.say("邀请") == "“邀请”仅供人大代表使用。回复“帮助”查看您可用的指令。"
