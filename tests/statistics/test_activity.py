"""Daily active people: anyone who took a case step, posted or supported an opinion, or wrote to the bot."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from server.cases import service as cases
from server.chat.inbound import handle_inbound
from server.core.figures import Period
from server.halls import opinions
from server.halls import service as halls
from server.statistics import queries
from server.statistics.rollup import roll_up_dirty


def test_each_person_counts_once_a_day_whatever_they_did(world, runtime, clock):
    clock.set(datetime(2026, 11, 2, 1, 0, tzinfo=UTC))  # 09:00 on 2 Nov in Shanghai
    roll_up_dirty(runtime.uow())  # the first run on an empty database: the watermarks are set
    office = world.office("hubin").id
    topic = halls.create_topic(runtime.uow(), actor_id=office, title="岳王路停车怎么管", background="征集意见",
                               closes_at=clock.now() + timedelta(days=7))
    halls.open_topic(runtime.uow(), actor_id=office, topic_id=topic.id)
    case = world.create_case()  # 章小平
    cases.accept_case(runtime.uow(), actor_id=world.person("严民强").id, case_id=case.id)
    cases.add_case_info(runtime.uow(), actor_id=case.reporter_id, case_id=case.id, text="补充：在3号楼前")
    opinion = opinions.post_opinion(runtime.uow(), author_id=world.person("沈建华").id, topic_id=topic.id,
                                    text="建议夜间开放学校操场停车")
    opinions.support_opinion(runtime.uow(), person_id=world.person("马丽").id, opinion_id=opinion.id)
    handle_inbound(runtime.uow(), {"msg_type": "text", "openid": "o-dau-newcomer", "msg_id": "9001",
                                   "create_time": int(clock.now().timestamp()), "content": "你好"})
    handle_inbound(runtime.uow(), {"msg_type": "text", "openid": "o-dau-newcomer", "msg_id": "9002",
                                   "create_time": int(clock.now().timestamp()) + 5, "content": "谢谢"})
    clock.advance(hours=15)  # 00:00 on 3 Nov: the next day
    handle_inbound(runtime.uow(), {"msg_type": "text", "openid": "o-dau-newcomer", "msg_id": "9003",
                                   "create_time": int(clock.now().timestamp()), "content": "你好"})
    clock.advance(minutes=5)
    roll_up_dirty(runtime.uow())
    figures = queries.district_figures(runtime.uow(), queries.Scope(Period(date(2026, 11, 2), date(2026, 11, 3))))
    # 2 Nov: 章小平, 严民强, 沈建华, 马丽 and the newcomer (twice, once) = 5; the office's topic steps are not
    # counted (topics are not people's activity here); 3 Nov: the newcomer = 1
    assert figures["daily_active_peak"] == 5 and figures["daily_active_last"] == 1
    assert figures["daily_active_average"] == 3.0
