"""The whole hall over HTTP: 徐芳 runs "凤起东路行人过街安全"; residents post and support; an opinion
becomes a case routed to 上城交警大队. Every bad request gets a clear JSON error and stores nothing."""
from __future__ import annotations

import io
from datetime import timedelta

import zxingcpp
from PIL import Image

from server.cases.models import Case
from server.cases.states import CaseState
from server.halls import service as topics
from server.halls.models import Opinion, Support, Topic, TopicEvent

from .test_posters import pdf_page_image


def iso(moment):
    return moment.isoformat()


def error_of(response, status):
    assert response.status_code == status, response.get_json()
    return response.get_json()["error"]


def test_a_full_hall_over_http(hall, sign_in, world, clock, runtime):
    xu, zhang, zhu, yang, xu_ting = (sign_in(n) for n in ("徐芳", "张秀英", "朱伟", "杨帆", "许婷"))
    created = xu.post("/topics", json={
        "title": "凤起东路行人过街安全", "background": "凤起东路景芳路口行人横穿多，征集改善意见。",
        "opens_at": iso(clock.now() + timedelta(hours=1)), "closes_at": iso(clock.now() + timedelta(days=3))})
    assert created.status_code == 201, created.get_json()
    topic = created.get_json()
    assert (topic["state"], topic["street_name"], topic["can_organize"]) == ("draft", "凯旋街道", True)
    assert topic["closes_at"].endswith("+08:00")
    tid = topic["id"]
    assert error_of(zhang.get(f"/topics/{tid}"), 404)["code"] == "not_found"  # drafts only for organizers

    clock.advance(hours=1)
    assert topics.open_due(runtime.uow()) == [tid]  # the scheduler's job
    assert [t["id"] for t in zhang.get("/topics/near-me").get_json()["items"]] == [tid]

    crossing = zhang.post(f"/topics/{tid}/opinions", json={"text": "景芳路口行人横穿严重，建议增设隔离栏和过街信号灯"})
    assert crossing.status_code == 201
    crossing = crossing.get_json()
    assert crossing["is_council_member"] is True and crossing["author_name"] == "张秀英"
    ad = zhu.post(f"/topics/{tid}/opinions", json={"text": "广告：代办驾照，价格优惠"}).get_json()
    # A resident in hall mode in chat: the bot calls the same service.
    topics.enter_topic(runtime.uow(), person_id=yang.person.id, topic_id=tid)
    _, chat = topics.post_opinion_from_chat(runtime.uow(), person_id=yang.person.id, text="公交站台往东移一点")

    assert yang.post(f"/opinions/{crossing['id']}/support").get_json()["support_count"] == 1
    assert xu_ting.post(f"/opinions/{crossing['id']}/support").get_json()["supported_by_me"] is True
    twice = error_of(yang.post(f"/opinions/{crossing['id']}/support"), 409)
    assert (twice["code"], twice["message"]) == ("conflict", "您已附议过这条意见")
    withdrawn = xu_ting._call("DELETE", f"/opinions/{crossing['id']}/support").get_json()
    assert (withdrawn["support_count"], withdrawn["supported_by_me"]) == (1, False)
    assert hall.count(Support) == 1

    assert error_of(sign_in("胡敏").post(f"/opinions/{ad['id']}/hide", json={"reason": "广告"}), 403)["code"] == "forbidden"
    hidden = xu.post(f"/opinions/{ad['id']}/hide", json={"reason": "与议题无关的广告"}).get_json()
    assert hidden["hidden"] is True
    xu.post(f"/opinions/{crossing['id']}/pin", json={"pinned": True})
    xu.post(f"/opinions/{chat.id}/reply", json={"text": "已转公交公司研究"})

    listed = yang.get(f"/topics/{tid}/opinions?sort=supports").get_json()
    assert [o["id"] for o in listed["items"]] == [crossing["id"], chat.id]
    assert listed["items"][0]["pinned"] and listed["items"][1]["reply"] == "已转公交公司研究"
    own = {o["id"]: o for o in zhu.get(f"/topics/{tid}/opinions?sort=time").get_json()["items"]}
    assert own[ad["id"]]["hide_reason"] == "与议题无关的广告" and own[ad["id"]]["author_name"] == "朱伟"
    assert own[crossing["id"]]["hide_reason"] is None
    first = yang.get(f"/topics/{tid}/opinions?sort=time&limit=1").get_json()
    second = yang.get(f"/topics/{tid}/opinions?sort=time&limit=1&cursor={first['next_cursor']}").get_json()
    assert first["total"] == 2 and second["next_cursor"] is None
    assert first["items"][0]["id"] != second["items"][0]["id"]

    clock.advance(days=3)
    assert topics.close_due(runtime.uow()) == [tid]
    xu, zhang, zhu, yang, xu_ting = (sign_in(n) for n in ("徐芳", "张秀英", "朱伟", "杨帆", "许婷"))  # 2-hour tokens
    late = error_of(yang.post(f"/topics/{tid}/opinions", json={"text": "还能说吗"}), 409)
    assert late["code"] == "invalid_transition" and "已截止" in late["message"]

    police = world.unit("上城交警大队")
    concluded = xu.post(f"/topics/{tid}/conclude", json={
        "summary": "采纳增设隔离栏和过街信号灯的建议，已转上城交警大队办理。",
        "adopted_opinion_ids": [chat.id], "cases": [{"opinion_id": crossing["id"], "unit_id": police.id}],
        "follow_ups": ["公交站台位置与公交公司协商"]})
    assert concluded.status_code == 200, concluded.get_json()
    assert concluded.get_json()["state"] == "concluded"
    with runtime.uow().transaction() as session:
        opinion = session.get(Opinion, crossing["id"])
        case = session.get(Case, opinion.case_id)
        assert (case.state, case.handling_unit_id, case.reporter_id) == (CaseState.routed, police.id, zhang.person.id)
    shown = {o["id"]: o for o in zhang.get(f"/topics/{tid}/opinions").get_json()["items"]}
    assert shown[crossing["id"]]["case_tracking_number"] == case.tracking_number
    # 许婷 withdrew her only support, so she no longer counts as having taken part.
    assert {p.recipient_id for p in hall.pushes("topic_concluded")} == {zhang.person.id, zhu.person.id, yang.person.id}
    assert xu.get(f"/topics/{tid}/figures").get_json() == {
        "participants": 3, "opinions": 3, "hidden": 1, "supports": 1, "adopted": 2, "cases_created": 1}

    poster = xu.get(f"/topics/{tid}/poster?format=pdf")
    assert poster.status_code == 200 and poster.mimetype == "application/pdf"
    assert [r.text for r in zxingcpp.read_barcodes(pdf_page_image(poster.data))] == [
        f"{runtime.settings.public_url}/halls/{tid}"]
    code = xu.get(f"/topics/{tid}/qrcode?format=png")
    assert [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(code.data)))] == [
        f"{runtime.settings.public_url}/halls/{tid}"]
    assert error_of(zhang.get(f"/topics/{tid}/poster"), 403)["code"] == "forbidden"


def test_bad_requests_get_clear_errors_and_store_nothing(hall, sign_in, clock, anonymous_caller):
    xu, hu, zhu = sign_in("徐芳"), sign_in("胡敏"), sign_in("朱伟")
    topic = hall.open_now()
    closed = hall.open_now(title="已截止的议题")
    topics.close_topic(hall.uow, actor_id=xu.person.id, topic_id=closed.id)
    before = (hall.count(Topic), hall.count(Opinion), hall.count(TopicEvent))
    window = {"opens_at": iso(clock.now() + timedelta(hours=1)), "closes_at": iso(clock.now() + timedelta(days=2))}

    empty = error_of(zhu.post(f"/topics/{topic.id}/opinions", json={"text": "   "}), 422)
    assert empty["message"] == "请填写意见内容"
    huge = error_of(zhu.post(f"/topics/{topic.id}/opinions", json={"text": "长" * 10_000}), 422)
    assert "不能超过 2000 字" in huge["message"]
    assert error_of(zhu.post(f"/topics/{topic.id}/opinions", json={"text": "长" * 10_001}), 422)["code"] == "invalid_input"
    assert error_of(zhu.post("/topics/987654/opinions", json={"text": "有用的意见"}), 404)["message"] == "找不到该议题"
    assert "已截止" in error_of(zhu.post(f"/topics/{closed.id}/opinions", json={"text": "有用的意见"}), 409)["message"]
    assert error_of(zhu.post(f"/topics/{topic.id}/opinions", json={"text": "x", "extra": 1}), 422)["code"] == "invalid_input"
    assert error_of(zhu.post(f"/topics/{topic.id}/opinions", json={"text": "有用", "attachment_ids": [5]}), 422)
    assert error_of(anonymous_caller.post(f"/topics/{topic.id}/opinions", json={"text": "有用"}), 401)
    assert error_of(xu.post(f"/topics/{topic.id}/opinions", json={"text": "组织方"}), 403)

    assert error_of(hu.post("/topics", json={"title": "跨街道", "background": "不在范围", "street_id": topic.street_id,
                                             **window}), 403)["message"] == "该议题不在您的街道范围内"
    assert error_of(zhu.post("/topics", json={"title": "居民建题", "background": "x", **window}), 403)
    assert error_of(xu.post("/topics", json={"title": "", "background": "x", **window}), 422)
    assert error_of(xu.post("/topics", json={"title": "时间反了", "background": "x", "opens_at": window["closes_at"],
                                             "closes_at": window["opens_at"]}), 422)
    assert error_of(xu.post(f"/topics/{topic.id}/extend", json={"closes_at": window["closes_at"], "reason": ""}), 422)
    assert error_of(hu.post(f"/topics/{topic.id}/close", json={}), 403)
    assert error_of(xu.post(f"/topics/{closed.id}/open"), 409)["code"] == "invalid_transition"
    assert error_of(xu.post("/topics/987654/close", json={}), 404)
    assert error_of(zhu.get(f"/topics/{topic.id}/opinions?cursor=garbage"), 422)
    assert error_of(zhu.get(f"/topics/{topic.id}/opinions?sort=random"), 422)
    assert (hall.count(Topic), hall.count(Opinion), hall.count(TopicEvent)) == before
