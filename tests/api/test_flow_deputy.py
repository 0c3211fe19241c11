"""A deputy over HTTP: the inbox of my area with filters, accept, forward with a note, my duty record."""
from __future__ import annotations


def test_inbox_filters_by_state_category_and_overdue(live, clock):
    world = live.world
    old = world.create_case(description="小区门口路灯坏了一个多星期")
    clock.advance(hours=73)
    deputy = live.sign_in(world.person("严民强"))  # after the clock moved: tokens last two hours
    fresh = world.create_case(description="祖庙巷51号小区内绿化枯萎需要补种")
    world.create_case(reporter="朱伟", description="路灯坏了")  # 凯旋: not my area

    everything = deputy.get("/cases").get_json()["items"]
    assert [c["id"] for c in everything] == [fresh.id, old.id]
    overdue = deputy.get("/cases", params={"overdue": "true"}).get_json()["items"]
    assert [c["id"] for c in overdue] == [old.id] and overdue[0]["overdue"] is True
    greenery = world.category("greenery").id
    by_category = deputy.get("/cases", params={"category_id": greenery}).get_json()["items"]
    assert [c["id"] for c in by_category] == [fresh.id]
    assert deputy.get("/cases", params={"state": "accepted"}).get_json()["items"] == []
    by_deadline = deputy.get("/cases/inbox").get_json()["items"]
    assert [c["id"] for c in by_deadline] == [old.id, fresh.id]


def test_accept_forward_and_the_duty_record(live):
    world = live.world
    deputy = live.sign_in(world.person("严民强"))
    colleague = live.sign_in(world.person("周立群"))
    case = world.create_case()

    accepted = deputy.post(f"/cases/{case.id}/accept", json={"note": "我来跟进"})
    assert accepted.status_code == 200 and accepted.get_json()["state"] == "accepted"
    late = colleague.post(f"/cases/{case.id}/accept", json={})
    assert late.status_code == 409 and late.get_json()["error"]["code"] == "invalid_transition"
    forwarded = deputy.post(f"/cases/{case.id}/forward", json={"note": "请街道协调园林部门"})
    assert forwarded.get_json()["timeline"][-1]["note"] == "请街道协调园林部门"
    assert forwarded.get_json()["timeline"][-1]["actor_name"] == "严民强"
    empty_note = deputy.post(f"/cases/{case.id}/forward", json={"note": ""})
    assert empty_note.status_code == 422

    record = deputy.get("/me/duty-record").get_json()
    assert record["accepted"] == 1 and record["forwarded"] == 1 and record["open_in_area"] == 1
    assert colleague.get("/me/duty-record").get_json()["accepted"] == 0
