"""The seed story over HTTP: a resident reports with a photo, a deputy accepts, the office routes,
the unit resolves with a photo, the resident rates; each sees only what they may."""
from __future__ import annotations

from .conftest import upload


def test_the_seed_story_over_the_api(live):
    world, sign_in = live.world, live.sign_in
    resident = sign_in(world.person("章小平"))
    deputy = sign_in(world.person("严民强"))
    office = sign_in(world.office("hubin"))
    unit_row = world.unit("湖滨街道公共管理办公室")
    unit = sign_in(world.unit_staff(unit_row.name))

    photo = upload(resident)
    assert photo.status_code == 201, photo.get_json()
    created = resident.post("/cases", json={"description": "祖庙巷51号小区内绿化枯萎需要补种",
                                            "attachment_ids": [photo.get_json()["id"]],
                                            "location": {"label": "祖庙巷51号", "latitude": 30.25,
                                                         "longitude": 120.16}})
    assert created.status_code == 201, created.get_json()
    case = created.get_json()
    assert case["tracking_number"] == "MY-20261128-0001"
    assert case["submitted_at"].endswith("+08:00")
    assert [a["kind"] for a in case["attachments"]] == ["report"]

    inbox = deputy.get("/cases/inbox").get_json()
    assert [c["id"] for c in inbox["items"]] == [case["id"]]
    assert inbox["items"][0]["reporter"]["name"] == "章小平"
    accepted = deputy.post(f"/cases/{case['id']}/accept", json={})
    assert accepted.status_code == 200 and accepted.get_json()["state"] == "accepted"

    options = office.get(f"/cases/{case['id']}/routing-options").get_json()["items"]
    assert options[0]["suggested"] and options[0]["id"] == unit_row.id
    routed = office.post(f"/cases/{case['id']}/route", json={"unit_id": options[0]["id"]})
    assert routed.status_code == 200, routed.get_json()

    seen_by_unit = unit.get(f"/cases/{case['id']}").get_json()
    assert seen_by_unit["reporter"] is None
    assert all(e["actor_name"] != "章小平" for e in seen_by_unit["timeline"])
    fixed = upload(unit, name="after.jpg")
    resolved = unit.post(f"/cases/{case['id']}/resolve", json={"feedback": "小区绿化补种工作全部完成",
                                                              "attachment_ids": [fixed.get_json()["id"]]})
    assert resolved.status_code == 200, resolved.get_json()
    mine = resident.get(f"/cases/{case['id']}").get_json()
    assert mine["state"] == "resolved" and {a["kind"] for a in mine["attachments"]} == {"report", "feedback"}
    feedback_photo = next(a for a in mine["attachments"] if a["kind"] == "feedback")
    assert resident.get(feedback_photo["url"].removeprefix("/api/v1")).status_code == 200
    rated = resident.post(f"/cases/{case['id']}/rating", json={"satisfaction": "satisfied"})
    assert rated.get_json()["state"] == "closed"
    assert [e["action"] for e in rated.get_json()["timeline"]] == ["submit", "accept", "route", "resolve", "rate"]
