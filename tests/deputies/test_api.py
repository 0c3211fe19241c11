"""Deputy work over real HTTP: the office schedules, a resident finds their deputies and books, the
deputy records the visit and makes a case of a matter; bad input is a 4xx with nothing changed."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from server.deputies.models import ReceptionBooking, ReceptionDay
from tests.api.conftest import jpeg_bytes, upload
from tests.deputies.conftest import local, make_hubin

pytestmark = pytest.mark.both_databases("the API's flow runs the locking and counting SQL on both dialects")


@pytest.fixture
def hubin_live(live):
    return make_hubin(live.world, live.runtime)


def test_schedule_find_book_record_and_raise_a_case(live, hubin_live, clock):
    world, hubin = live.world, hubin_live
    office, resident, yan = (live.sign_in(p) for p in (hubin.office, hubin.resident, hubin.deputies[0]))
    stations = live.sign_in(hubin.resident).get(f"/stations?street_id={world.street('hubin').id}").get_json()
    assert [s["name"] for s in stations["items"]] == ["湖滨街道人大代表联络站"]

    bad = office.post("/receptions", json={"station_id": hubin.station.id, "starts_at": "2026-11-29T11:00:00",
                                           "ends_at": "2026-11-29T09:00:00", "deputy_ids": [hubin.deputies[0].id]})
    assert bad.status_code == 422 and bad.get_json()["error"]["message"] == "结束时间须晚于开始时间"
    created = office.post("/receptions", json={
        "station_id": hubin.station.id, "starts_at": "2026-11-29T09:00:00", "ends_at": "2026-11-29T11:00:00",
        "deputy_ids": [d.id for d in hubin.deputies], "slot_capacity": 2, "topic": "老旧小区加装电梯"})
    assert created.status_code == 201, created.get_json()
    reception = created.get_json()
    assert reception["when"] == "11月29日（周日）09:00-11:00" and reception["deputy_names"] == ["严民强", "周立群"]
    assert len(reception["slots"]) == 4 and reception["timeline"][0]["action_label"] == "安排接待日"

    assert resident._call("PUT", "/receptions/subscription").get_json()["street"]["name"] == "湖滨街道"
    mine = resident.get("/deputies/mine").get_json()
    assert [d["name"] for d in mine["deputies"]] == ["严民强", "周立群"] and mine["subscribed"] is True
    assert mine["next_reception"]["id"] == reception["id"]
    assert mine["next_reception"]["slots"][0] == {"starts_at": "2026-11-29T09:00:00+08:00", "booked": 0, "free": 2}

    path = f"/receptions/{reception['id']}/booking"
    wrong = resident._call("PUT", path, json={"slot_at": "2026-11-29T09:10:00+08:00"})
    assert wrong.status_code == 422 and "不在本次接待时间内" in wrong.get_json()["error"]["message"]
    for _ in range(2):  # a retried request books once
        booked = resident._call("PUT", path, json={"slot_at": "2026-11-29T09:30:00+08:00", "question": "电梯补贴"})
        assert booked.status_code == 200, booked.get_json()
    with live.runtime.uow().transaction() as session:
        assert session.scalar(select(func.count()).select_from(ReceptionBooking)) == 1
    seen_by_resident = resident.get(f"/receptions/{reception['id']}").get_json()
    assert seen_by_resident["my_booking"]["question"] == "电梯补贴" and seen_by_resident["bookings"] == []
    assert seen_by_resident["timeline"] == []
    assert yan._call("PUT", path, json={"question": "代表"}).status_code == 403

    clock.set(local(29, 9, 25))
    office, resident, yan = (live.sign_in(p) for p in (hubin.office, hubin.resident, hubin.deputies[0]))
    booking_id = booked.get_json()["id"]
    visit = yan.post(f"/receptions/{reception['id']}/visits",
                     json={"booking_id": booking_id, "matters": ["东坡路8号楼道堆放杂物，存在消防隐患"]})
    assert visit.status_code == 201, visit.get_json()
    matter = visit.get_json()["matters"][0]
    outsider = live.sign_in(world.person("陈海燕"))
    assert outsider.post(f"/receptions/matters/{matter['id']}/case", json={}).status_code == 404
    made = yan.post(f"/receptions/matters/{matter['id']}/case", json={})
    assert made.status_code == 201
    case = yan.get(f"/cases/{made.get_json()['case_id']}").get_json()
    assert case["state"] == "accepted" and case["reporter"]["name"] == "章小平"
    walk_in = office.post(f"/receptions/{reception['id']}/visits", json={"visitor_name": "吴阿姨", "phone": "abc"})
    assert walk_in.status_code == 422 and walk_in.get_json()["error"]["message"] == "手机号码格式不正确"
    closed = yan.post(f"/receptions/{reception['id']}/close", json={"summary": "接待群众1人，收集诉求1件"})
    assert closed.get_json()["state"] == "held"

    record = yan.get(f"/deputies/{hubin.deputies[0].id}/record?year=2026").get_json()
    assert {f["key"]: f["value"] for f in record["figures"]}["cases_from_matters"] == 1
    photo = upload(yan, jpeg_bytes()).get_json()["id"]
    entry = yan.post("/deputies/me/entries", json={"kind": "visit", "title": "走访东坡路社区独居老人",
                                                   "happened_on": "2026-11-27", "attachment_ids": [photo]})
    assert entry.status_code == 201 and entry.get_json()["photo_ids"] == [photo]
    future = yan.post("/deputies/me/entries", json={"kind": "visit", "title": "明天", "happened_on": "2026-12-30"})
    assert future.status_code == 422
    pdf = yan.get(f"/deputies/{hubin.deputies[0].id}/record.pdf?year=2026")
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert live.sign_in(hubin.deputies[1]).get(f"/deputies/{hubin.deputies[0].id}/record").status_code == 403

    ranking = office.get("/deputies/ranking?year=2026").get_json()
    assert ranking["items"][0]["name"] == "严民强" and len(ranking["items"]) == 2
    assert yan.get("/deputies/ranking").status_code == 403 and resident.get("/deputies/ranking").status_code == 403
    district = live.sign_in(world.district())
    assert office._call("PUT", "/deputies/score-weights", json={"weights": {"entries": 0}}).status_code == 403
    bad_weight = district._call("PUT", "/deputies/score-weights", json={"weights": {"entries": 1000}})
    assert bad_weight.status_code == 422
    changed = district._call("PUT", "/deputies/score-weights", json={"weights": {"receptions_held": 10}})
    assert "进站接待 × 10" in changed.get_json()["formula"]


def test_another_street_sees_no_reception_and_cannot_cancel_it(live, hubin_live):
    reception = hubin_live.schedule()
    kaixuan = live.sign_in(live.world.office("kaixuan"))
    assert kaixuan.get(f"/receptions/{reception.id}").status_code == 404
    assert kaixuan.post(f"/receptions/{reception.id}/cancel", json={"reason": "x"}).status_code == 404
    assert kaixuan.get("/receptions").get_json()["total"] == 0
    with live.runtime.uow().transaction() as session:
        assert session.get(ReceptionDay, reception.id).state == "scheduled"
