"""A handling unit over HTTP: my routed cases by deadline, without the reporter; resolve with photos."""
from __future__ import annotations

from server.cases import service as cases

from .conftest import jpeg_bytes, upload


def test_routed_cases_by_deadline_then_resolve_with_feedback_photos(live, clock):
    world, uow = live.world, live.runtime.uow
    unit = world.unit("湖滨街道公共管理办公室")
    office_id = world.office("hubin").id
    older = world.create_case(description="小区垃圾清运不及时")
    clock.advance(hours=5)
    newer = world.create_case(description="绿化枯萎需要补种")
    for case in (newer, older):
        cases.route_case(uow(), actor_id=office_id, case_id=case.id, unit_id=unit.id)
    world.create_case(description="还没有流转的反映")
    staff = live.sign_in(world.unit_staff(unit.name))

    queue = staff.get("/cases/inbox").get_json()["items"]
    assert [c["id"] for c in queue] == [older.id, newer.id]
    assert all(c["reporter"] is None for c in queue)
    assert [c["id"] for c in staff.get("/cases", params={"order": "deadline"}).get_json()["items"]] == [
        older.id, newer.id]

    photos = [upload(staff, jpeg_bytes(color=(i, 200, 10))).get_json()["id"] for i in range(2)]
    resolved = staff.post(f"/cases/{older.id}/resolve", json={"feedback": "已清运完毕", "attachment_ids": photos})
    assert resolved.status_code == 200
    body = resolved.get_json()
    assert body["state"] == "resolved" and body["feedback"] == "已清运完毕"
    assert sorted(a["id"] for a in body["attachments"] if a["kind"] == "feedback") == sorted(photos)
    assert [c["id"] for c in staff.get("/cases/inbox").get_json()["items"]] == [newer.id]
    assert staff.post(f"/cases/{newer.id}/resolve", json={"feedback": ""}).status_code == 422
