"""找代表 and the reception-day opt-in in chat, through the sandbox over HTTP: the resident hears their
deputies and the next reception day, opts in, hears of the next day scheduled, and opens no case."""
from __future__ import annotations

import pytest

from server.pushes.models import OutboxMessage
from server.pushes.states import OutboxKind
from tests.bot.conftest import Phone
from tests.deputies.conftest import local, make_hubin

pytestmark = pytest.mark.both_databases("the chat path runs in the webhook's transaction on both dialects")


def test_find_deputies_then_opt_in_and_hear_of_the_next_day(bot, resident, world):
    assert "请先告诉我们您住在哪个街道" in Phone(bot).say("找代表")
    hubin = make_hubin(world, bot.runtime)
    answer = resident.say("找代表")
    assert answer.startswith("您所在的湖滨街道的人大代表：\n· 严民强（上城区人大代表），湖滨街道人大代表联络站")
    assert "近期暂无代表接待日安排" in answer and "东坡路8号二楼" in answer and "回复“接待提醒”" in answer
    hubin.schedule(starts_at=local(30, 14))
    answer = resident.say("找代表")
    assert "最近的代表接待日：11月30日（周一）14:00-16:00，湖滨街道人大代表联络站（东坡路8号二楼）" in answer
    assert "值班代表：严民强、周立群" in answer
    assert resident.say("接待提醒") == "已为您订阅湖滨街道的代表接待日提醒。回复“取消接待提醒”可退订。"
    assert "回复“接待提醒”" not in resident.say("我的代表")
    hubin.schedule(starts_at=local(12, 9, month=12))
    [published] = bot.outbox(OutboxKind.reception_published)
    assert published.payload["when"] == "12月12日（周六）09:00-11:00"
    assert resident.say("取消接待提醒") == "已取消湖滨街道的代表接待日提醒。"
    assert resident.say("取消接待提醒") == "您没有订阅接待日提醒。"
    assert bot.cases() == [] and bot.count(OutboxMessage, OutboxMessage.kind == OutboxKind.case_submitted) == 0
    assert "找代表" in resident.say("帮助")
