"""A resident over HTTP: report, list and page through my cases, add information, rate, reopen."""
from __future__ import annotations

from sqlalchemy import func, select

from server.cases import service as cases
from server.cases.models import Case

from .conftest import jpeg_bytes, upload


def test_my_cases_are_mine_only_and_page_by_cursor(live):
    world = live.world
    me = live.sign_in(world.person("章小平"))
    for text in ("路灯坏了一个多星期", "井盖破损容易绊倒", "垃圾清运不及时"):
        assert me.post("/cases", json={"description": text}).status_code == 201
    world.create_case(reporter="沈建华", description="楼下餐馆油烟很大")

    first = me.get("/cases", params={"limit": 2}).get_json()
    assert [c["description"] for c in first["items"]] == ["垃圾清运不及时", "井盖破损容易绊倒"]
    second = me.get("/cases", params={"limit": 2, "cursor": first["next_cursor"]}).get_json()
    assert [c["description"] for c in second["items"]] == ["路灯坏了一个多星期"]
    assert second["next_cursor"] is None
    bad = me.get("/cases", params={"cursor": "not-a-cursor"})
    assert bad.status_code == 422 and bad.get_json()["error"]["code"] == "invalid_cursor"


def test_bad_reports_are_refused_clearly_and_create_nothing(live):
    world = live.world
    me = live.sign_in(world.person("章小平"))
    neighbour = live.sign_in(world.person("沈建华"))
    theirs = upload(neighbour).get_json()["id"]
    attempts = [
        ({"description": "   "}, "invalid_input"),
        ({"description": "路灯坏了", "attachment_ids": list(range(1, 11))}, "invalid_input"),
        ({"description": "路灯坏了", "attachment_ids": [theirs]}, "invalid_input"),  # not my upload
        ({"description": "路灯坏了", "community_id": 999999}, "invalid_input"),
        ({"description": "路灯坏了", "unexpected": 1}, "invalid_input"),
    ]
    for body, code in attempts:
        response = me.post("/cases", json=body)
        assert response.status_code == 422, (body, response.get_json())
        assert response.get_json()["error"]["code"] == code and response.get_json()["error"]["message"]
    with live.runtime.uow().transaction() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 0


def test_adding_information_then_rating_dissatisfied_reopens_to_the_unit(live):
    world, uow = live.world, live.runtime.uow
    me = live.sign_in(world.person("章小平"))
    case = me.post("/cases", json={"description": "祖庙巷51号小区内绿化枯萎需要补种",
                                   "contact_consent": True}).get_json()
    photo = upload(me, jpeg_bytes(color=(1, 2, 3))).get_json()["id"]
    info = me.post(f"/cases/{case['id']}/info", json={"text": "东侧花坛最严重", "attachment_ids": [photo],
                                                       "location": {"label": "祖庙巷51号东侧"}})
    assert info.status_code == 200
    assert info.get_json()["timeline"][-1]["action"] == "add_info"
    assert info.get_json()["timeline"][-1]["attachments"][0]["id"] == photo
    assert info.get_json()["location"]["label"] == "祖庙巷51号东侧"

    unit = world.unit("湖滨街道公共管理办公室")
    cases.route_case(uow(), actor_id=world.office("hubin").id, case_id=case["id"], unit_id=unit.id)
    cases.resolve_case(uow(), actor_id=world.unit_staff(unit.name).id, case_id=case["id"], feedback="已补种")
    waiting = me.get("/cases/inbox").get_json()["items"]
    assert [c["id"] for c in waiting] == [case["id"]]  # waiting for my rating

    unit_caller = live.sign_in(world.unit_staff(unit.name))
    assert unit_caller.get(f"/cases/{case['id']}").get_json()["reporter"]["name"] == "章小平"  # consent given
    reopened = me.post(f"/cases/{case['id']}/rating", json={"satisfaction": "dissatisfied", "comment": "还是枯的"})
    assert reopened.get_json()["state"] == "reopened" and reopened.get_json()["reopen_count"] == 1
    assert [c["id"] for c in unit_caller.get("/cases/inbox").get_json()["items"]] == [case["id"]]
    again = me.post(f"/cases/{case['id']}/rating", json={"satisfaction": "satisfied"})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "invalid_transition"


def test_a_new_wechat_resident_fills_in_the_profile_then_reports(live):
    import requests

    tokens = requests.post(f"{live.server.url}/api/v1/auth/login", json={"code": "new-user"}, timeout=10).json()
    from .conftest import ApiCaller

    me = ApiCaller(requests.Session(), None, tokens["access_token"], base_url=live.server.url)
    no_street = me.post("/cases", json={"description": "路灯坏了"})
    assert no_street.status_code == 422 and no_street.get_json()["error"]["details"]["field"] == "street_id"
    hubin = live.world.street("hubin")
    wrong = me._call("PATCH", "/me", json={"street_id": hubin.id,
                                          "community_id": live.world.community("景芳社区").id})
    assert wrong.status_code == 422
    profile = me._call("PATCH", "/me", json={"name": "李阿姨", "phone": "13800000000", "street_id": hubin.id,
                                            "community_id": live.world.community("岳王路社区").id})
    assert profile.status_code == 200 and profile.get_json()["community"]["name"] == "岳王路社区"
    case = me.post("/cases", json={"description": "路灯坏了"}).get_json()
    deputy_view = live.sign_in(live.world.person("严民强")).get(f"/cases/{case['id']}").get_json()
    assert deputy_view["reporter"] == {"id": profile.get_json()["id"], "name": "李阿姨", "phone": "13800000000"}
    staff = live.sign_in(live.world.person("严民强"))
    assert staff._call("PATCH", "/me", json={"street_id": hubin.id}).status_code == 403
