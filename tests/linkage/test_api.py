"""区街联动 over the mini-program API: the district drafts and issues, the street works, deputies answer
invitations and send suggestions; scope is 404 across streets, bad input 4xx with a JSON body and no change."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest

from server.core.clock import LOCAL_ZONE
from server.linkage.models import LinkageSuggestion, LinkageTask
from tests.linkage.conftest import PDF, TITLE, png_bytes


@pytest.fixture
def sign_in(client, runtime, world):
    """sign_in("蔡静") -> an API caller with a fresh bearer session for that demo person."""
    from server.people import sessions as api_sessions
    from tests.api.conftest import ApiCaller

    def make(name: str) -> ApiCaller:
        person = world.person(name)
        tokens = api_sessions.start_session(runtime.uow(), person_id=person.id, method="password")
        return ApiCaller(client, person, tokens.access_token)

    return make


def _iso(moment):
    return moment.astimezone(LOCAL_ZONE).isoformat()


def test_the_whole_task_over_http(sign_in, lk, world, clock):
    district, office, deputy = sign_in("张梦月"), sign_in("蔡静"), sign_in("李春梅")
    caihe = world.street("caihe").id
    body = {"kind": "assignment", "title": TITLE, "brief": "请组织代表开展专项视察",
            "due_date": (lk.today() + timedelta(days=10)).isoformat(), "street_ids": [caihe]}
    assert office.post("/linkage/tasks", json=body).status_code == 403
    bad = district.post("/linkage/tasks", json={**body, "street_ids": []})
    assert bad.status_code == 422 and bad.get_json()["error"]["code"] == "invalid_input"
    assert lk.count(LinkageTask) == 0
    created = district.post("/linkage/tasks", json=body)
    assert created.status_code == 201, created.get_json()
    task_id = created.get_json()["id"]
    refused = district.post(f"/linkage/tasks/{task_id}/files",
                            data={"file": (io.BytesIO(b"<script>alert(1)</script>"), "方案.pdf")},
                            content_type="multipart/form-data")
    assert refused.status_code == 422 and "PDF" in refused.get_json()["error"]["message"]
    added = district.post(f"/linkage/tasks/{task_id}/files", data={"file": (io.BytesIO(PDF), "方案.pdf")},
                          content_type="multipart/form-data")
    assert [f["filename"] for f in added.get_json()["files"]] == ["方案.pdf"]
    assert office.get(f"/linkage/tasks/{task_id}").status_code == 404  # a draft
    issued = district.post(f"/linkage/tasks/{task_id}/issue")
    assert issued.get_json()["state"] == "issued"
    file_url = issued.get_json()["files"][0]["url"].removeprefix("/api/v1")
    assert office.get(file_url).data == PDF
    assert sign_in("胡敏").get(file_url).status_code == 404

    page = office.get("/linkage/tasks").get_json()
    aid = page["items"][0]["assignments"][0]["id"]
    assert sign_in("胡敏").get(f"/linkage/assignments/{aid}").status_code == 404
    assert office.post(f"/linkage/assignments/{aid}/acknowledge").get_json()["state"] == "acknowledged"
    again = office.post(f"/linkage/assignments/{aid}/acknowledge")
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "invalid_transition"
    planned = office.post(f"/linkage/assignments/{aid}/activities", json={
        "kind": "inspection", "title": "无障碍设施专项视察", "starts_at": _iso(clock.now() + timedelta(days=1)),
        "place": "采荷街道办事处", "deputy_ids": [lk.id("李春梅"), lk.id("赵志刚")]})
    assert planned.status_code == 201 and planned.get_json()["activities"] == 1
    invitations = deputy.get("/linkage/invitations").get_json()["items"]
    assert [i["title"] for i in invitations] == ["无障碍设施专项视察"] and invitations[0]["can_answer"]
    answered = deputy.post(f"/linkage/invitations/{invitations[0]['id']}/answer", json={"attend": True})
    assert answered.get_json()["answer_label"] == "参加"
    assert sign_in("赵志刚").post(f"/linkage/invitations/{invitations[0]['id']}/answer",
                               json={"attend": False}).status_code == 404
    suggestion = deputy.post(f"/linkage/assignments/{aid}/suggestions", json={"text": "坡道坡度需逐一复核"})
    assert suggestion.status_code == 201 and suggestion.get_json()["author_name"] == "李春梅"
    assert sign_in("严民强").post(f"/linkage/assignments/{aid}/suggestions", json={"text": "x"}).status_code == 404
    assert office.post(f"/linkage/assignments/{aid}/collection",
                       json={"closes_at": _iso(clock.now() + timedelta(days=5))}).status_code == 200
    assert deputy.post(f"/linkage/assignments/{aid}/suggestions", json={"text": "坡道坡度需逐一复核"}).status_code == 409
    activity_id = planned.get_json()["activity_items"][0]["id"]
    early = office.post(f"/linkage/activities/{activity_id}/photos", data={"file": (io.BytesIO(png_bytes()), "现场.png")},
                        content_type="multipart/form-data")
    assert early.status_code == 422  # the inspection has not taken place yet
    report_file = office.post(f"/linkage/assignments/{aid}/files", data={"file": (io.BytesIO(PDF), "报告.pdf")},
                              content_type="multipart/form-data")
    assert [f["filename"] for f in report_file.get_json()["report_files"]] == ["报告.pdf"]
    made = office.post(f"/linkage/suggestions/{suggestion.get_json()['id']}/case", json={})
    assert made.status_code == 201 and made.get_json()["tracking_number"].startswith("MY-")
    assert office.post(f"/linkage/suggestions/{suggestion.get_json()['id']}/case", json={}).status_code == 409
    assert office.post(f"/linkage/assignments/{aid}/results", json={"report": " "}).status_code == 422
    submitted = office.post(f"/linkage/assignments/{aid}/results", json={"report": "视察报告"})
    assert submitted.get_json()["state"] == "submitted"
    assert district.post(f"/linkage/assignments/{aid}/return", json={}).status_code == 422
    assert district.post(f"/linkage/assignments/{aid}/return", json={"comment": "请补充"}).get_json()["state"] == "returned"
    office.post(f"/linkage/assignments/{aid}/results", json={"report": "视察报告（修改稿）"})
    accepted = district.post(f"/linkage/assignments/{aid}/accept", json={})
    assert accepted.get_json()["state"] == "accepted" and accepted.get_json()["cases"] == 1
    closed = district.post(f"/linkage/tasks/{task_id}/close", json={})
    assert closed.get_json()["state"] == "closed"
    assert [e["action"] for e in closed.get_json()["timeline"]][:4] == ["close", "accept", "resubmit", "return"]
    assert lk.count(LinkageSuggestion) == 1
    assert deputy.get("/linkage/suggestions/mine").get_json()["items"][0]["case_id"] == made.get_json()["case_id"]


def test_roles_and_bodies(sign_in, lk):
    resident = sign_in("黄磊")
    assert resident.get("/linkage/tasks").status_code == 403
    assert resident.get("/linkage/invitations").status_code == 403
    district = sign_in("张梦月")
    unknown = district.post("/linkage/tasks", json={"kind": "assignment", "title": "t", "brief": "b",
                                                    "due_date": "2026-13-01", "street_ids": [1], "extra": 1})
    assert unknown.status_code == 422
    assert district.get("/linkage/tasks/999").status_code == 404
