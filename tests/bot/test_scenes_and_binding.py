"""QR scenes and events: follow, street posters, deputy binding with a one-time code, 接收 from chat."""
from __future__ import annotations

import pytest
import requests

from server.cases.states import CaseState
from server.core.errors import ValidationError
from server.demo.people import DEMO_PASSWORD
from server.people import service as people
from server.people.models import BindCode, Person, WechatIdentity
from server.pushes.dispatch import dispatch_due

from .conftest import Phone

pytestmark = pytest.mark.both_databases("binding claims its code with UPDATE … RETURNING; pushes route per dialect")

STORY = "祖庙巷51号小区绿化枯萎需要补种"


def _identity(bot, phone) -> WechatIdentity:
    [identity] = bot.rows(WechatIdentity, WechatIdentity.openid == phone.openid)
    return identity


def _bind_code(bot, person) -> str:
    """As the sandbox page does it: the staff member signs in to the API and asks for their own code."""
    signed_in = requests.post(f"{bot.url}/api/v1/auth/password",
                              json={"username": person.username, "password": DEMO_PASSWORD}, timeout=10)
    assert signed_in.status_code == 200, signed_in.text
    response = requests.post(f"{bot.url}/api/v1/me/bind-code", timeout=10,
                             headers={"Authorization": f"Bearer {signed_in.json()['access_token']}"})
    assert response.status_code == 201, response.text
    return response.json()["code"]


def _deputy_phone(bot, world, name="严民强") -> Phone:
    phone = Phone(bot)
    assert phone.scan(f"bind:{_bind_code(bot, world.person(name))}", subscribe=True).startswith("欢迎关注")
    return phone


def test_following_greets_and_unfollowing_is_recorded(bot, world, clock):
    phone = Phone(bot)
    assert phone.send(type="event", event="subscribe")["reply"].startswith("欢迎关注民意直通车")
    assert _identity(bot, phone).subscribed and _identity(bot, phone).last_message_at == clock.now()
    clock.advance(minutes=1)
    result = phone.send(type="event", event="unsubscribe")
    assert result["reply"] is None and not result["failed"]  # `success`: nothing to show
    identity = _identity(bot, phone)
    assert not identity.subscribed and identity.unsubscribed_at == clock.now()
    assert phone.send(type="event", event="subscribe")["reply"].startswith("欢迎关注")
    assert _identity(bot, phone).subscribed


def test_a_street_poster_sets_the_residents_street_on_follow(bot, world):
    phone = Phone(bot)
    reply = phone.scan(f"street:{world.street('caihe').id}", subscribe=True)
    assert reply.startswith("欢迎关注民意直通车！\n已为您设置所在街道：采荷街道")
    person = bot.rows(Person, Person.id == _identity(bot, phone).person_id)[0]
    assert person.street_id == world.street("caihe").id
    assert "MY-20261128-0001" in phone.say("小区门口路灯坏了一个多星期")
    assert bot.cases()[0].street_id == world.street("caihe").id


def test_a_deputy_binds_with_a_one_time_code(bot, world):
    deputy = world.person("严民强")
    code = _bind_code(bot, deputy)
    phone = Phone(bot)
    bound = phone.scan(f"bind:{code}")
    assert bound.startswith("绑定成功！严民强代表，您好。") and "待接收 —— 本辖区等待接收的反映" in bound
    assert _identity(bot, phone).staff_person_id == deputy.id
    assert bot.rows(Person, Person.id == _identity(bot, phone).person_id)[0].name.startswith("微信用户")
    [row] = bot.rows(BindCode, BindCode.code == code)
    assert row.used_at is not None
    assert "绑定码无效" in Phone(bot).scan(f"bind:{code}")  # used up
    assert "绑定码无效" in Phone(bot).say("绑定 NOSUCHCODE")


def test_an_expired_bind_code_is_refused(bot, world, clock):
    code = _bind_code(bot, world.person("严民强"))
    clock.advance(hours=25)
    phone = Phone(bot)
    assert "绑定码无效、已使用或已过期" in phone.say(f"绑定 {code.lower()}")
    assert bot.rows(Person, Person.id == _identity(bot, phone).person_id)[0].name.startswith("微信用户")


def test_residents_get_no_bind_codes(bot, world, uow):
    with pytest.raises(ValidationError, match="只有人大代表和工作人员"):
        people.create_bind_code(uow, person_id=world.person("章小平").id)


def test_a_bound_deputy_accepts_a_case_of_their_area_with_jieshou(bot, world, resident):
    resident.say(STORY)
    deputy = _deputy_phone(bot, world)
    assert deputy.say("接收 MY-20261128-0001") == "您已接收反映 MY-20261128-0001，已转交街道人大办研判流转。"
    [case] = bot.cases()
    assert case.state == CaseState.accepted and case.accepted_by_id == world.person("严民强").id
    assert "当前状态为“代表已接收”" in _deputy_phone(bot, world, "周立群").say("接收 MY-20261128-0001")
    assert "MY-20261128-0001【代表已接收】" in resident.say("查询")
    assert "代表接收" in deputy.say("查询 MY-20261128-0001")  # within the deputy's area


def test_jieshou_outside_the_deputys_area_or_by_a_resident_is_refused(bot, world, resident):
    resident.say(STORY)
    assert "不在您的辖区" in _deputy_phone(bot, world, "陈海燕").say("接收 MY-20261128-0001")
    assert resident.say("接收 MY-20261128-0001") == "“接收”仅供人大代表使用。回复“帮助”查看您可用的指令。"
    assert "仅供人大代表使用" in resident.say("接收")
    assert "请回复“接收 编号”" in _deputy_phone(bot, world, "周立群").say("接收")
    assert bot.cases()[0].state == CaseState.submitted


def test_every_message_opens_the_customer_service_window(bot, world, resident, clock):
    clock.advance(hours=3)
    resident.say("你好")
    assert _identity(bot, resident).last_message_at == clock.now()


def test_a_bind_code_binds_only_the_first_who_claims_it(world, uow):
    code = people.create_bind_code(uow, person_id=world.person("严民强").id).code
    people.bind_wechat(uow, openid="o-first", code=code)
    with pytest.raises(ValidationError, match="绑定码无效"):
        people.bind_wechat(uow, openid="o-second", code=code)


def test_a_deputy_bound_by_chat_receives_the_new_case_push_in_the_sandbox(bot, world, resident):
    deputy = _deputy_phone(bot, world)
    resident.say(STORY)
    dispatch_due(bot.runtime.uow(), bot.runtime.wechat)
    pushes = requests.get(f"{bot.url}/sandbox/user/pushes", params={"openid": deputy.openid}, timeout=10).json()
    assert any("MY-20261128-0001" in str(push["body"]) for push in pushes["pushes"])
