"""The linkage console pages over HTTP: the district drafts, issues, reviews; 采荷's office works its
assignment; another street's office gets 404; a bad form keeps its values with the error by the field."""
from __future__ import annotations

import io
from datetime import timedelta

from server.core.clock import LOCAL_ZONE
from server.linkage import queries
from tests.linkage.conftest import PDF, TITLE, png_bytes


def _local(moment):
    return moment.astimezone(LOCAL_ZONE).strftime("%Y-%m-%dT%H:%M")


def test_district_drafts_issues_and_a_street_works_and_is_accepted(signed_in, lk, world, clock):
    district = signed_in("district")
    page = district.get("/console/linkage/tasks/new")
    assert page.status_code == 200 and "交办新任务" in page.get_data(as_text=True)
    caihe = world.street("caihe").id
    bad = district.post("/console/linkage/tasks/new", {
        "kind": "assignment", "title": TITLE, "brief": "要求", "due_date": (lk.today() - timedelta(days=1)).isoformat(),
        "street_ids": [caihe]})
    body = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "完成期限不能早于今天" in body and TITLE in body
    created = district.post("/console/linkage/tasks/new", data={
        "kind": "assignment", "title": TITLE, "brief": "请组织代表开展专项视察",
        "due_date": (lk.today() + timedelta(days=10)).isoformat(), "street_ids": [caihe],
        "files": [(io.BytesIO(PDF), "视察方案.pdf")]}, content_type="multipart/form-data")
    assert created.status_code == 302
    task_url = created.headers["Location"]
    assert "视察方案.pdf" in district.get(task_url).get_data(as_text=True)
    task_id = int(task_url.rstrip("/").rsplit("/", 1)[-1])
    assert district.post(f"/console/linkage/tasks/{task_id}/issue").status_code == 302
    assert "已交办" in district.get(task_url).get_data(as_text=True)

    office = signed_in("caihe-office")
    listing = office.get("/console/linkage/tasks").get_data(as_text=True)
    assert TITLE in listing and "待签收" in listing
    aid = lk.assignment_id(task_id)
    other = signed_in("hubin-office")
    assert other.get(f"/console/linkage/assignments/{aid}").status_code == 404
    assert other.post(f"/console/linkage/assignments/{aid}/acknowledge").status_code == 404
    assert office.post(f"/console/linkage/assignments/{aid}/acknowledge").status_code == 302
    starts = clock.now() + timedelta(days=1)
    planned = office.post(f"/console/linkage/assignments/{aid}/activities", {
        "kind": "inspection", "title": "无障碍设施专项视察", "starts_at": _local(starts), "place": "采荷街道办事处",
        "deputy_ids": [lk.id("李春梅"), lk.id("赵志刚")]})
    assert planned.status_code == 302
    assert office.post(f"/console/linkage/assignments/{aid}/collection", {
        "closes_at": _local(clock.now() + timedelta(days=5))}).status_code == 302
    no_text = office.post(f"/console/linkage/assignments/{aid}/suggestions", {"author_id": lk.id("李春梅"), "text": ""})
    assert no_text.status_code == 422 and "请填写建议内容" in no_text.get_data(as_text=True)
    assert office.post(f"/console/linkage/assignments/{aid}/suggestions", {
        "author_id": lk.id("李春梅"), "text": "建议增设盲道"}).status_code == 302
    clock.advance(days=1, hours=2)
    office, district = signed_in("caihe-office"), signed_in("district")  # a day later: signed in afresh
    activity_id = queries.get_assignment(lk.uow, viewer_id=lk.id("蔡静"), assignment_id=aid)["activity_items"][0]["id"]
    assert "记录出席情况" in office.get(f"/console/linkage/assignments/{aid}").get_data(as_text=True)
    recorded = office.post(f"/console/linkage/activities/{activity_id}/attendance?assignment={aid}", data={
        f"a{activity_id}-attended_ids": [lk.id("李春梅")], f"a{activity_id}-note": "查看坡道8处",
        f"a{activity_id}-photos": [(io.BytesIO(png_bytes()), "现场.png")]}, content_type="multipart/form-data")
    assert recorded.status_code == 302, recorded.get_data(as_text=True)[-800:]
    page = office.get(f"/console/linkage/assignments/{aid}").get_data(as_text=True)
    assert "李春梅（到场）" in page and "查看坡道8处" in page
    assert office.post(f"/console/linkage/assignments/{aid}/results", {"report": "视察报告"}).status_code == 302

    review = district.get(f"/console/linkage/assignments/{aid}").get_data(as_text=True)
    assert "审核通过" in review and "建议增设盲道" in review
    returned = district.post(f"/console/linkage/assignments/{aid}/review", {"decision": "return", "comment": ""})
    assert returned.status_code == 422 and "请填写退回意见" in returned.get_data(as_text=True)
    assert district.post(f"/console/linkage/assignments/{aid}/review", {"decision": "accept"}).status_code == 302
    side_by_side = district.get(task_url).get_data(as_text=True)
    assert "已通过" in side_by_side and "采荷街道" in side_by_side
    photo = queries.get_assignment(lk.uow, viewer_id=lk.id("张梦月"), assignment_id=aid)["activity_items"][0]["photos"][0]
    assert district.get(f"/console/linkage/files/{photo['id']}").mimetype == "image/png"
    other = signed_in("hubin-office")
    assert other.get(f"/console/linkage/files/{photo['id']}").status_code == 404


def test_street_offices_cannot_open_the_district_pages(signed_in, world):
    office = signed_in("caihe-office")
    assert office.get("/console/linkage/tasks/new").status_code == 404
    assert office.post("/console/linkage/tasks/1/issue").status_code == 404
