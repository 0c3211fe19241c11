"""Every role understood in chat (through the sandbox over HTTP): a deputy's, a clerk's and a unit's
commands, numbered replies after any list, and residents' short complaints, menu labels and streets."""
from __future__ import annotations

from datetime import timedelta

import pytest
import requests

from server.cases.models import Case
from server.cases.states import CaseState, Holder
from server.demo.people import DEMO_PASSWORD
from server.halls import service as topics
from tests.concurrency import run_together

from .conftest import Phone

pytestmark = pytest.mark.both_databases("the chat path: ON CONFLICT claims, and a reporter's row lock keeps "
                                        "concurrent copies of one report to one case")

STORY = "祖庙巷51号小区绿化枯萎需要补种"


def staff_phone(bot, world, name: str) -> Phone:
    """A separate WeChat user bound to a staff account through the API, as the sandbox page does it."""
    person = world.person(name)
    tokens = requests.post(f"{bot.url}/api/v1/auth/password", timeout=10,
                           json={"username": person.username, "password": DEMO_PASSWORD}).json()
    code = requests.post(f"{bot.url}/api/v1/me/bind-code", timeout=10,
                         headers={"Authorization": f"Bearer {tokens['access_token']}"}).json()["code"]
    phone = Phone(bot)
    assert phone.scan(f"bind:{code}", subscribe=True).startswith("欢迎关注")
    return phone


def the_case(bot, number: str) -> Case:
    [case] = bot.rows(Case, Case.tracking_number == number)
    return case


def test_a_four_character_complaint_opens_a_case_and_small_talk_does_not(bot, resident):
    for text in ("你好呀", "好的谢谢", "谢谢啦！", "在吗？", "路灯"):
        assert "已收到您的反映" not in resident.say(text), text
    assert "MY-20261128-0001" in resident.say("路灯坏了")
    assert [case.description for case in bot.cases()] == ["路灯坏了"]


def test_a_residents_text_that_only_looks_like_a_staff_command_is_a_report(bot, resident):
    assert "MY-20261128-0001" in resident.say("流转站旁边的垃圾堆了三天没人清理")
    assert resident.say("待办") == "“待办”仅供承办单位使用。回复“帮助”查看您可用的指令。"
    assert len(bot.cases()) == 1


def test_menu_labels_typed_as_text_do_what_the_menu_does(bot, resident):
    resident.say(STORY)
    assert "MY-20261128-0001【待接收】" in resident.say("我的进度")
    assert "请直接发送文字描述" in resident.say("我要反映")
    assert "目前没有正在征集意见的议题" in resident.say("议事厅")
    assert len(bot.cases()) == 1


def test_a_street_named_in_the_report_needs_no_question(bot, world):
    newcomer = Phone(bot)
    reply = newcomer.say("清波街道河坊街12号门口井盖破损")
    assert "请问您住在哪个街道" not in reply and "MY-20261128-0001" in reply
    [case] = bot.cases()
    assert case.street_id == world.street("qingbo").id


def test_after_yiti_a_bare_number_enters_that_hall_and_the_next_text_is_an_opinion(bot, world, runtime):
    topic = topics.create_topic(runtime.uow(), actor_id=world.person("胡敏").id, title="湖滨路夜间停车",
                                background="请居民就湖滨路夜间停车位提出意见。", opens_at=None,
                                closes_at=runtime.clock.now() + timedelta(days=3))
    topics.open_topic(runtime.uow(), actor_id=world.person("胡敏").id, topic_id=topic.id)
    resident = Phone(bot)
    resident.live_on(world.street("hubin").id)
    assert "1. 湖滨路夜间停车" in resident.say("议题")
    assert resident.say("7") == "没有第 7 项。请回复列表中的序号，或回复“帮助”查看可用指令。"
    assert "您已进入议事厅：湖滨路夜间停车" in resident.say("1")
    assert "您的意见已发表" in resident.say("建议晚上十点后开放路边临时停车")
    assert bot.cases() == []


def test_a_number_with_no_list_before_it_opens_nothing(bot, resident):
    assert "已收到您的反映" not in resident.say("3")
    assert bot.cases() == []


def test_a_deputy_lists_waiting_cases_by_time_left_and_accepts_with_a_number(bot, world, resident, clock):
    resident.say(STORY)
    clock.advance(hours=2)
    resident.say("小区门口路灯坏了一个多星期")
    deputy = staff_phone(bot, world, "严民强")
    waiting = deputy.say("待接收")
    assert waiting.startswith("待接收（2件，剩余时间少的在前）：")
    assert "1. MY-20261128-0001 剩70小时" in waiting and "2. MY-20261128-0002 剩72小时" in waiting
    assert deputy.say("1") == "您已接收反映 MY-20261128-0001，已转交街道人大办研判流转。"
    assert the_case(bot, "MY-20261128-0001").state == CaseState.accepted
    assert deputy.say("转交 MY-20261128-0001 现场已核实，枯死约二十株") == \
        "已把您的说明转交街道人大办（反映 MY-20261128-0001）。"


def test_staff_stray_texts_get_their_help_and_open_no_case_unless_they_start_with_fanying(bot, world):
    deputy = staff_phone(bot, world, "严民强")
    reply = deputy.say("今天下午去社区走访")
    assert reply.startswith("人大代表可用指令") and "以“反映”开头" in reply
    assert deputy.say("帮助").startswith("人大代表可用指令")
    assert bot.cases() == []
    assert "MY-20261128-0001" in deputy.say("反映 湖滨路人行道地砖松动")
    assert len(bot.cases()) == 1


def test_a_street_office_triages_routes_with_the_suggestion_and_rejects(bot, world, resident):
    resident.say(STORY)
    resident.say("楼下餐馆油烟很大晚上噪音扰民")
    deputy = staff_phone(bot, world, "严民强")
    deputy.say("接收 MY-20261128-0001")
    deputy.say("接收 MY-20261128-0002")
    clerk = staff_phone(bot, world, "胡敏")
    assert clerk.say("帮助").startswith("街道人大办可用指令")
    queue = clerk.say("待研判")
    assert queue.startswith("待研判（2件")
    picked = clerk.say("1")
    assert "MY-20261128-0001【代表已接收】" in picked and "反映人：微信用户" in picked
    assert "1. 湖滨街道公共管理办公室（建议）" in picked
    assert clerk.say("1") == "反映 MY-20261128-0001 已流转至湖滨街道公共管理办公室，72小时内办结。"
    routed = the_case(bot, "MY-20261128-0001")
    assert routed.state == CaseState.routed and routed.holder == Holder.handling_unit

    unknown = clerk.say("流转 MY-20261128-0002 不存在的单位")
    assert unknown.startswith("没有找到唯一匹配“不存在的单位”的承办单位。请选择反映 MY-20261128-0002 的承办单位")
    assert the_case(bot, "MY-20261128-0002").state == CaseState.accepted
    assert clerk.say("退回 MY-20261128-0002").startswith("请回复“退回 编号 原因”")
    assert clerk.say("退回 MY-20261128-0002 属于商户经营纠纷，已告知向市场监管部门投诉") == \
        "反映 MY-20261128-0002 已退回（不予受理），原因已告知居民。"
    assert the_case(bot, "MY-20261128-0002").state == CaseState.rejected
    assert "仅供" in clerk.say("接收 MY-20261128-0002")


def test_a_unit_lists_its_work_and_resolves_and_cannot_act_out_of_scope(bot, world, resident):
    resident.say(STORY)
    clerk = staff_phone(bot, world, "胡敏")
    clerk.say("流转 MY-20261128-0001 湖滨街道公共管理办公室")
    unit = staff_phone(bot, world, "湖滨街道公共管理办公室联络员")
    queue = unit.say("待办")
    assert queue.startswith("待办（1件") and "MY-20261128-0001" in queue
    shown = unit.say("1")
    assert "办结后回复“办结 MY-20261128-0001 办理结果”" in shown and "反映人" not in shown  # no consent
    assert unit.say("办结 MY-20261128-0001") .startswith("请回复“办结 编号 办理结果”")
    assert unit.say("办结 MY-20261128-0001 已补种绿植二十株") == \
        "反映 MY-20261128-0001 已办结，居民将收到评价邀请。10分钟内发送的照片会补充到办理结果。"
    assert the_case(bot, "MY-20261128-0001").state == CaseState.resolved
    other = staff_phone(bot, world, "凯旋街道公共管理办公室联络员")
    assert "MY-20261128-0001" not in other.say("待办")
    resident.say("满意")
    assert the_case(bot, "MY-20261128-0001").state == CaseState.closed


def test_a_resident_who_binds_as_a_deputy_keeps_their_own_cases_and_ratings(bot, world, resident):
    assert "MY-20261128-0001" in resident.say(STORY)
    own = bot.cases()[0]
    person = world.person("严民强")
    tokens = requests.post(f"{bot.url}/api/v1/auth/password", timeout=10,
                           json={"username": person.username, "password": DEMO_PASSWORD}).json()
    code = requests.post(f"{bot.url}/api/v1/me/bind-code", timeout=10,
                         headers={"Authorization": f"Bearer {tokens['access_token']}"}).json()["code"]
    assert resident.say(f"绑定 {code}").startswith("绑定成功！严民强代表")
    assert "MY-20261128-0001【待接收】" in resident.say("查询")  # still their own report
    assert the_case(bot, "MY-20261128-0001").reporter_id == own.reporter_id != person.id
    assert "1. MY-20261128-0001" in resident.say("待接收")  # and now a deputy's queue too
    assert resident.say("接收 MY-20261128-0001").startswith("您已接收反映")
    clerk = staff_phone(bot, world, "胡敏")
    clerk.say("流转 MY-20261128-0001 1")
    unit = staff_phone(bot, world, "湖滨街道公共管理办公室联络员")
    unit.say("办结 MY-20261128-0001 已补种")
    assert resident.say("满意").startswith("感谢评价！反映 MY-20261128-0001")
    assert the_case(bot, "MY-20261128-0001").state == CaseState.closed


def test_a_wechat_user_bound_to_one_account_cannot_be_bound_to_another(bot, world):
    deputy = staff_phone(bot, world, "严民强")
    other = world.person("周立群")
    tokens = requests.post(f"{bot.url}/api/v1/auth/password", timeout=10,
                           json={"username": other.username, "password": DEMO_PASSWORD}).json()
    code = requests.post(f"{bot.url}/api/v1/me/bind-code", timeout=10,
                         headers={"Authorization": f"Bearer {tokens['access_token']}"}).json()["code"]
    refused = deputy.say(f"绑定 {code}")
    assert refused.startswith("这个微信已绑定严民强的工作账号，不能再绑定周立群的账号")
    assert Phone(bot).say(f"绑定 {code}").startswith("绑定成功！周立群代表")  # the code was not used up


def resolve_by_chat(bot, world, number: str) -> None:
    staff_phone(bot, world, "胡敏").say(f"流转 {number} 湖滨街道公共管理办公室")
    staff_phone(bot, world, "湖滨街道公共管理办公室联络员").say(f"办结 {number} 已补种绿植")


def test_buman_yi_asks_why_and_the_next_text_is_the_reason_on_the_reopened_case(bot, world, resident):
    resident.say(STORY)
    resolve_by_chat(bot, world, "MY-20261128-0001")
    asked = resident.say("不满意")
    assert "已退回重新办理" in asked and "请简单说明不满意的原因" in asked
    assert resident.say("补种的树苗第二天就枯了") == "已把您说明的原因补充到反映 MY-20261128-0001，承办单位重新办理时会看到。"
    case = the_case(bot, "MY-20261128-0001")
    assert case.state == CaseState.reopened and len(bot.cases()) == 1  # the reason opened no new case
    timeline = resident.say("查询 MY-20261128-0001")
    assert "不满意原因：补种的树苗第二天就枯了" in timeline


def test_chaxun_lists_open_cases_and_the_last_five_closed_ones(bot, world, resident):
    for n in range(1, 8):
        resident.say(f"第{n}处路灯不亮，晚上很黑")
    for n in range(1, 7):
        number = f"MY-20261128-{n:04d}"
        resolve_by_chat(bot, world, number)
        resident.say("满意")
    listed = resident.say("查询")
    assert listed.startswith("您的反映（回复“查询 编号”看办理过程）：\nMY-20261128-0007【待接收】")
    closed = listed.split("最近办结的反映：\n")[1].splitlines()
    assert [line[:16] for line in closed] == [f"MY-20261128-{n:04d}" for n in (6, 5, 4, 3, 2)]


def test_the_same_complaint_twice_joins_the_first_report(bot, world, resident, clock):
    assert "MY-20261128-0001" in resident.say("小区门口路灯坏了一个多星期，晚上出行不安全")
    again = resident.say("小区门口路灯坏了一个多星期，晚上出行不安全！！")
    assert again == "您已反映过 MY-20261128-0001，已补充到该反映。回复“查询 MY-20261128-0001”可查看进度。"
    reworded = resident.say("小区门口的路灯坏了一个多星期了，晚上出行很不安全")
    assert reworded.startswith("您已反映过 MY-20261128-0001")
    assert len(bot.cases()) == 1
    assert "小区门口的路灯坏了一个多星期了" in resident.say("查询 MY-20261128-0001")  # the new wording joined
    clock.advance(hours=25)
    assert "MY-20261129-0001" in resident.say("小区门口路灯坏了一个多星期，晚上出行不安全")  # a day later: new


def test_the_same_words_about_another_building_are_another_report(bot, resident):
    assert "MY-20261128-0001" in resident.say("3号楼电梯坏了三天，老人上下楼困难")
    assert "MY-20261128-0002" in resident.say("5号楼电梯坏了三天，老人上下楼困难")


def test_a_duplicate_sent_three_times_at_once_makes_one_case(bot, world, resident):
    replies = run_together([lambda: resident.say("3号楼电梯坏了三天，老人上下楼困难")] * 3)
    assert len(bot.cases()) == 1
    assert sum("已收到您的反映" in reply for reply in replies) == 1
    assert sum(reply.startswith("您已反映过") for reply in replies) == 2


def test_english_and_mixed_reports_get_a_category_and_others_the_catch_all(bot, world, resident):
    from server.places.models import Category

    names = {category.id: category.name for category in bot.rows(Category)}
    resident.say("The streetlight outside building 3 is broken")
    resident.say("楼下的restaurant油烟太大")
    resident.say("想咨询一下社区老年食堂怎么报名")
    assert [names[case.category_id] for case in bot.cases()] == ["公共设施", "违建与噪音", "其他（待街道研判分类）"]


def test_the_resident_hears_when_their_report_is_accepted_routed_resolved_and_reopened(bot, world, resident):
    from server.pushes.dispatch import dispatch_due

    resident.say(STORY)
    staff_phone(bot, world, "严民强").say("接收 MY-20261128-0001")
    resolve_by_chat(bot, world, "MY-20261128-0001")
    resident.say("不满意")
    reporter = bot.cases()[0].reporter_id
    for kind in ("report_accepted", "report_routed", "case_resolved", "report_reopened"):
        assert [row.recipient_id for row in bot.outbox(kind)] == [reporter], kind
    dispatch_due(bot.runtime.uow(), bot.runtime.wechat)
    delivered = requests.get(f"{bot.url}/sandbox/user/pushes", params={"openid": resident.openid}, timeout=10)
    texts = [str(push["body"]) for push in delivered.json()["pushes"]]
    assert any("已由人大代表严民强接收" in text for text in texts)
    assert any("已交由湖滨街道公共管理办公室办理" in text for text in texts)
    assert any("已退回湖滨街道公共管理办公室重新办理" in text for text in texts)
