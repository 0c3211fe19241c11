"""Console pages of deputy work over HTTP (Flask's client as a browser): who may open what, the profile
form with its errors next to the fields, another street's day is a 404."""
from __future__ import annotations

from server.deputies import queries
from tests.deputies.conftest import make_hubin


def test_pages_by_role_and_the_profile_form(world, runtime, signed_in):
    hubin = make_hubin(world, runtime)
    reception = hubin.schedule()
    office = signed_in("hubin-office")
    page = office.get("/console/deputies/profiles").get_data(as_text=True)
    assert "严民强" in page and "全街道" in page and "代表资料" in page
    yan = hubin.deputies[0]
    blank = office.post(f"/console/deputies/profiles/{yan.id}", {"title": "", "station_id": str(hubin.station.id)})
    assert blank.status_code == 200 and "请填写代表职务" in blank.get_data(as_text=True)
    dongpo = world.community("东坡路社区")
    saved = office.post(f"/console/deputies/profiles/{yan.id}", {
        "title": "上城区人大代表", "station_id": str(hubin.station.id), "community_ids": [str(dongpo.id)],
        "introduction": "关注老旧小区改造"})
    assert saved.status_code == 302
    [mine] = [d for d in queries.street_deputies(runtime.uow(), actor_id=hubin.office.id) if d["id"] == yan.id]
    assert mine["community_ids"] == [dongpo.id] and mine["introduction"] == "关注老旧小区改造"

    kaixuan = signed_in("kaixuan-office")
    assert kaixuan.get(f"/console/deputies/receptions/{reception.id}").status_code == 404
    assert kaixuan.get(f"/console/deputies/profiles/{yan.id}").status_code == 404
    assert kaixuan.get(f"/console/deputies/{yan.id}/record").status_code == 404
    deputy = signed_in("hubin-deputy1")
    for path in ("/console/deputies/stations", "/console/deputies/profiles", "/console/deputies/ranking",
                 "/console/deputies/weights", "/console/deputies/receptions/new"):
        assert deputy.get(path).status_code == 404, path
    assert deputy.get(f"/console/deputies/receptions/{reception.id}").status_code == 200
    assert deputy.get(f"/console/deputies/{hubin.deputies[1].id}/record").status_code == 404
    assert signed_in("district").get("/console/deputies/stations").status_code == 404
