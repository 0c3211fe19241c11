"""The street office and the district committee over HTTP: triage, recategorize, route with the
rule's suggestion first, reject with a reason, merge duplicates, escalate, re-route any unit."""
from __future__ import annotations

from server.cases import service as cases


def test_triage_queue_recategorize_and_route_with_the_suggestion_first(live, clock):
    world = live.world
    accepted = world.create_case(description="人行道井盖破损，老人容易绊倒")
    cases.accept_case(live.runtime.uow(), actor_id=world.person("严民强").id, case_id=accepted.id)
    waiting = world.create_case(description="凤起东路行人经常横穿马路")
    clock.advance(hours=13)
    cases.auto_forward_case(live.runtime.uow(), case_id=waiting.id)
    world.create_case(description="还没人接收的反映")  # still with the deputies
    office = live.sign_in(world.office("hubin"))

    queue = office.get("/cases/inbox").get_json()["items"]
    assert [c["id"] for c in queue] == [accepted.id, waiting.id]

    recategorized = office.post(f"/cases/{accepted.id}/category", json={"category_id": world.category("greenery").id})
    assert recategorized.get_json()["category"]["name"] == "城市管理·绿化环境"
    options = office.get(f"/cases/{accepted.id}/routing-options").get_json()["items"]
    assert options[0] == {**options[0], "suggested": True, "name": "湖滨街道公共管理办公室"}
    assert sum(option["suggested"] for option in options) == 1
    assert all(option["street_id"] in (None, world.street("hubin").id) for option in options)

    elsewhere = world.unit("凯旋街道公共管理办公室").id
    refused = office.post(f"/cases/{accepted.id}/route", json={"unit_id": elsewhere})
    assert refused.status_code == 422
    routed = office.post(f"/cases/{accepted.id}/route", json={"unit_id": options[0]["id"], "note": "请两日内补种"})
    assert routed.get_json()["state"] == "routed" and routed.get_json()["handling_unit"]["id"] == options[0]["id"]


def test_reject_needs_a_reason_and_the_reporter_sees_it(live):
    world = live.world
    office = live.sign_in(world.office("hubin"))
    case = world.create_case(description="希望给我家装修补贴")
    assert office.post(f"/cases/{case.id}/reject", json={"reason": ""}).status_code == 422
    rejected = office.post(f"/cases/{case.id}/reject", json={"reason": "不属于人大街道工委受理范围"})
    assert rejected.get_json()["state"] == "rejected"
    mine = live.sign_in(world.person("章小平")).get(f"/cases/{case.id}").get_json()
    assert mine["timeline"][-1]["note"] == "不属于人大街道工委受理范围"


def test_merge_duplicates_within_the_street_only(live):
    world = live.world
    office = live.sign_in(world.office("hubin"))
    first = world.create_case(description="小区门口路灯坏了")
    duplicate = world.create_case(reporter="沈建华", description="小区门口的路灯不亮")
    other_street = world.create_case(reporter="朱伟", description="路灯坏了")
    merged = office.post(f"/cases/{duplicate.id}/merge", json={"into_case_id": first.id})
    assert merged.get_json()["state"] == "merged"
    hidden = office.post(f"/cases/{first.id}/merge", json={"into_case_id": other_street.id})
    assert hidden.status_code == 404


def test_the_office_is_offered_other_residents_reports_of_the_same_problem_to_merge(live, clock):
    world = live.world
    first = world.create_case(description="祖庙巷口的路灯坏了好几天")
    similar = world.create_case(reporter="沈建华", description="祖庙巷口路灯坏了")
    world.create_case(reporter="马丽", description="菜市场有商家卖过期食品")  # another problem
    world.create_case(reporter="朱伟", description="祖庙巷口的路灯坏了好几天")  # 凯旋: another street
    clock.advance(days=8)
    late = world.create_case(reporter="马丽", description="祖庙巷口的路灯坏了")  # over a week later
    office = live.sign_in(world.office("hubin"))
    offered = office.get(f"/cases/{first.id}/similar").get_json()["items"]
    assert [(item["id"], item["reason"]) for item in offered] == [(similar.id, "similar")]
    assert late.id not in [item["id"] for item in offered]
    assert live.sign_in(world.person("严民强")).get(f"/cases/{first.id}/similar").status_code == 403
    merged = office.post(f"/cases/{similar.id}/merge", json={"into_case_id": first.id})
    assert merged.get_json()["state"] == "merged"
    assert office.get(f"/cases/{first.id}/similar").get_json()["items"] == []


def test_escalation_goes_to_the_district_which_reroutes_to_any_unit(live):
    world = live.world
    office = live.sign_in(world.office("hubin"))
    district = live.sign_in(world.district())
    case = world.create_case(description="凤起东路行人经常横穿马路，车辆多速度快")
    unit = world.unit("湖滨街道公共管理办公室")
    cases.route_case(live.runtime.uow(), actor_id=world.office("hubin").id, case_id=case.id, unit_id=unit.id)
    escalated = office.post(f"/cases/{case.id}/escalate", json={"reason": "需要区交警大队协调"})
    assert escalated.get_json()["state"] == "escalated" and escalated.get_json()["holder"] == "district_committee"
    assert [c["id"] for c in district.get("/cases/inbox").get_json()["items"]] == [case.id]

    not_office = office.post(f"/cases/{case.id}/route", json={"unit_id": unit.id})
    assert not_office.status_code == 403
    any_unit = world.unit("凯旋街道综合行政执法队").id  # another street's unit: the district may
    rerouted = district.post(f"/cases/{case.id}/route", json={"unit_id": any_unit})
    assert rerouted.status_code == 200 and rerouted.get_json()["handling_unit"]["id"] == any_unit
    assert district.get("/cases/inbox").get_json()["items"] == []
