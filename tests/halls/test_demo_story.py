"""The issue's story on the demo: 徐芳 opens "凤起东路行人过街安全" and prints its poster, a resident scans
the code in the sandbox and posts by chat, others support it over the API, and 徐芳 concludes with that
opinion turned into a case routed to 上城交警大队."""
from __future__ import annotations

from sqlalchemy import select

from server.cases.models import Case
from server.cases.states import CaseState
from server.demo.topics import FENGQI_TITLE, load_demo_topics
from server.halls import service as topics
from server.halls.models import Opinion, Topic
from tests.bot.conftest import Phone

from .test_posters import decode, pdf_page_image


def test_the_fengqi_road_story(live_server, world, sign_in, clock, runtime):
    load_demo_topics(runtime)
    with runtime.uow().transaction() as session:
        tid = session.scalar(select(Topic.id).where(Topic.title == FENGQI_TITLE))
    xu = sign_in("徐芳")
    assert xu.post(f"/topics/{tid}/open").get_json()["state"] == "open"
    poster = xu.get(f"/topics/{tid}/poster?format=pdf")
    assert decode(pdf_page_image(poster.data)) == [f"{runtime.settings.public_url}/halls/{tid}"]

    phone = Phone(live_server)
    entered = phone.scan(f"topic:{tid}", subscribe=True)
    assert FENGQI_TITLE in entered and "议事厅" in entered
    posted = phone.say("景芳路口行人横穿很多，建议增设行人过街信号灯和中央隔离栏")
    assert f"您的意见已发表在议题“{FENGQI_TITLE}”" in posted
    assert "离开议事厅" in phone.say("退出")

    with runtime.uow().transaction() as session:
        opinion = session.scalar(select(Opinion).where(Opinion.topic_id == tid))
        assert opinion.source == "wechat"
    for name in ("张秀英", "杨帆", "许婷"):
        assert sign_in(name).post(f"/opinions/{opinion.id}/support").status_code == 200

    clock.advance(days=8)
    assert tid in topics.close_due(runtime.uow())
    xu = sign_in("徐芳")
    police = world.unit("上城交警大队")
    done = xu.post(f"/topics/{tid}/conclude", json={
        "summary": "采纳增设过街信号灯和隔离栏的建议，已转上城交警大队办理。",
        "cases": [{"opinion_id": opinion.id, "unit_id": police.id}]})
    assert done.status_code == 200, done.get_json()
    with runtime.uow().transaction() as session:
        case = session.get(Case, session.get(Opinion, opinion.id).case_id)
        assert (case.state, case.handling_unit_id, case.source) == (CaseState.routed, police.id, "hall")
    shown = sign_in("杨帆").get(f"/topics/{tid}/opinions").get_json()["items"][0]
    assert (shown["support_count"], shown["adopted"], shown["case_tracking_number"]) == (3, True, case.tracking_number)
