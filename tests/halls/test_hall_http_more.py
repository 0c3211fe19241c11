"""Smaller HTTP paths: editing a draft, photos on opinions, opting in to new topics, lists."""
from __future__ import annotations

from datetime import timedelta

from server.halls import service as topics
from tests.api.conftest import upload


def test_edit_a_draft_then_it_opens_when_rescheduled(hall, sign_in, clock, runtime):
    xu = sign_in("徐芳")
    draft = hall.create(opens_in_hours=None)
    later = (clock.now() + timedelta(hours=2)).isoformat()
    edited = xu._call("PATCH", f"/topics/{draft.id}", json={"title": "凤起东路过街设施改善", "opens_at": later})
    assert edited.status_code == 200, edited.get_json()
    assert edited.get_json()["title"] == "凤起东路过街设施改善"
    assert edited.get_json()["opens_at"].endswith("+08:00")
    clock.advance(hours=2)
    assert topics.open_due(runtime.uow()) == [draft.id]
    xu = sign_in("徐芳")
    refused = xu._call("PATCH", f"/topics/{draft.id}", json={"title": "再改"})
    assert refused.status_code == 409 and "只能延期" in refused.get_json()["error"]["message"]


def test_an_opinion_with_a_photo_and_opting_in(hall, sign_in, world, clock):
    zhu = sign_in("朱伟")
    assert zhu.post("/topics/subscription", json={}).get_json() == {"street_id": world.street("kaixuan").id}
    topic = hall.open_now()
    assert [p.recipient_id for p in hall.pushes("topic_opened") if p.recipient_id == zhu.person.id] == [zhu.person.id]
    photo = upload(zhu).get_json()["id"]
    posted = zhu.post(f"/topics/{topic.id}/opinions", json={"text": "路口这里最危险", "attachment_ids": [photo]})
    assert posted.status_code == 201 and posted.get_json()["attachment_ids"] == [photo]
    other = sign_in("杨帆")
    assert other.post(f"/topics/{topic.id}/opinions", json={"text": "借用别人的照片", "attachment_ids": [photo]}
                      ).status_code == 422
    assert zhu._call("DELETE", "/topics/subscription").get_json() == {"ok": True}
    hall.open_now(title="第二个议题")
    assert len([p for p in hall.pushes("topic_opened") if p.recipient_id == zhu.person.id]) == 1


def test_topic_lists_hide_drafts_from_residents(hall, sign_in):
    hall.create(title="草稿议题")
    opened = hall.open_now(title="征集中的议题")
    resident = sign_in("朱伟").get("/topics").get_json()
    assert [t["id"] for t in resident["items"]] == [opened.id]
    organizer = sign_in("徐芳").get("/topics?limit=1").get_json()
    assert organizer["total"] == 2 and organizer["next_cursor"]
    other_street = sign_in("胡敏").get("/topics").get_json()
    assert [t["id"] for t in other_street["items"]] == [opened.id]
