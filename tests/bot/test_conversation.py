"""What residents type: 查询 / 进度, 满意 / 基本满意 / 不满意, 议题, 退出, 帮助 and the custom menu."""
from __future__ import annotations

import pytest

from server.cases import service as cases
from server.cases.states import CaseState

from .conftest import Phone

pytestmark = pytest.mark.both_databases("the chat path: inbound claims through ON CONFLICT, replies read per dialect")

STORY = "祖庙巷51号小区绿化枯萎需要补种"


def _resolve(world, uow, case_id):
    unit = world.unit("湖滨街道公共管理办公室")
    cases.accept_case(uow, actor_id=world.person("严民强").id, case_id=case_id)
    cases.route_case(uow, actor_id=world.office("hubin").id, case_id=case_id, unit_id=unit.id)
    cases.resolve_case(uow, actor_id=world.unit_staff(unit.name).id, case_id=case_id, feedback="已补种完毕")


def test_query_lists_my_open_cases_with_their_states(bot, resident):
    assert "没有办理中的反映" in resident.say("查询")
    resident.say(STORY)
    resident.say("小区门口路灯坏了一个多星期")
    reply = resident.say("进度")
    assert "MY-20261128-0001【待接收】" in reply and "MY-20261128-0002【待接收】" in reply
    assert reply.index("0002") < reply.index("0001")  # newest first
    assert resident.click("MY_CASES") == reply


def test_query_with_a_number_shows_the_timeline_of_my_own_case_only(bot, resident, world, uow):
    resident.say(STORY)
    [case] = bot.cases()
    cases.accept_case(uow, actor_id=world.person("严民强").id, case_id=case.id, note="马上联系物业")
    reply = resident.say("查询 my-20261128-0001")
    assert reply.startswith("MY-20261128-0001【代表已接收】")
    assert "提交反映" in reply and "代表接收：马上联系物业" in reply
    stranger = Phone(bot)
    stranger.live_on(world.street("hubin").id)
    assert "没有找到编号为 MY-20261128-0001" in stranger.say("查询 MY-20261128-0001")


def test_satisfied_closes_the_latest_resolved_case(bot, resident, world, uow):
    assert "没有待评价的反映" in resident.say("满意")
    resident.say(STORY)
    [case] = bot.cases()
    _resolve(world, uow, case.id)
    assert "请回复“满意”" in resident.say("查询 MY-20261128-0001")
    assert resident.say("基本满意！") == "感谢评价！反映 MY-20261128-0001 已评为“基本满意”，本件已办结。"
    [case] = bot.cases()
    assert case.state == CaseState.closed
    assert "没有待评价的反映" in resident.say("满意")


def test_dissatisfied_reopens_the_case(bot, resident, world, uow):
    resident.say(STORY)
    [case] = bot.cases()
    _resolve(world, uow, case.id)
    assert "已退回重新办理" in resident.say("不满意")
    [case] = bot.cases()
    assert case.state == CaseState.reopened and case.reopen_count == 1


def test_help_menu_and_topics_words_always_get_an_answer(bot, resident):
    assert "直接发送文字描述问题" in resident.say("帮助")
    assert resident.say("菜单") == resident.say("帮助")
    assert resident.click("HELP") == resident.say("帮助")
    assert "请直接发送文字描述" in resident.click("REPORT")
    assert "没有正在征集意见的议题" in resident.say("议题")
    assert "没有正在征集意见的议题" in resident.click("TOPICS")
    assert "不在议事厅" in resident.say("退出")
    assert bot.cases() == []


def test_a_hall_scene_without_an_open_topic_is_answered_and_texts_still_report(bot, resident):
    reply = resident.scan("topic:999")
    assert "议题" in reply and "已收到" not in reply
    assert "MY-20261128-0001" in resident.say(STORY)
