"""The outbox dispatcher in the normal path: right channel, right text, each push exactly once."""
from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from server.cases.models import CaseAttachment
from server.chat.media import fetch_due_media
from server.people.models import Person, WechatIdentity
from server.people.rules import Role
from server.pushes.dispatch import dispatch_due, retry_dead
from server.pushes.models import OutboxMessage
from server.pushes.notifications import enqueue
from server.sandbox import sandbox_state
from tests.concurrency import raised, run_together

pytestmark = pytest.mark.both_databases("the outbox dispatcher claims with SKIP LOCKED on PostgreSQL, otherwise without")

TEMPLATE = "cgi-bin/message/template/send"
CS = "cgi-bin/message/custom/send"


def test_a_new_case_reaches_the_areas_deputies_once(push_world, gateway, sandbox):
    push_world.bind("严民强", "oYan")
    push_world.bind("周立群", "oZhou")
    case = push_world.world.create_case()
    assert dispatch_due(push_world.uow(), gateway) == {"claimed": 2, "sent": 2, "retry": 0, "dead": 0,
                                                       "skipped": 0, "fenced": 0}
    sent = {call["body"]["touser"]: call["body"] for call in sandbox.calls(TEMPLATE)}
    assert set(sent) == {"oYan", "oZhou"}
    content = sent["oYan"]["data"]["content"]["value"]
    assert "新反映请接收" in content and case.tracking_number in content and "绿化枯萎" in content
    assert sent["oYan"]["data"]["title"]["value"] == "新反映请接收"
    assert dispatch_due(push_world.uow(), gateway)["claimed"] == 0
    assert len(sandbox.calls(TEMPLATE)) == 2
    with push_world.uow().transaction() as session:
        rows = list(session.scalars(select(OutboxMessage)))
    assert {(r.status, r.channel, r.attempts) for r in rows} == {("sent", "template", 1)}
    assert all(r.sent_at == push_world.runtime.clock.now() for r in rows)


def test_residents_get_chat_text_inside_their_window_else_a_template(push_world, gateway, sandbox, clock):
    now = clock.now()
    push_world.bind("章小平", "oZhang", last_message_at=now - timedelta(hours=2))
    push_world.bind("严民强", "oYanWindow", last_message_at=now - timedelta(hours=1))  # a deputy: template anyway
    inside = push_world.enqueue("case_resolved", "章小平", {"tracking_number": "MY-1", "feedback": "已补种"})
    staff = push_world.enqueue("case_submitted", "严民强", {"tracking_number": "MY-1", "description": "绿化"})
    dispatch_due(push_world.uow(), gateway)
    assert push_world.row(inside).channel == "cs_text" and push_world.row(staff).channel == "template"
    text = sandbox.calls(CS)[0]["body"]["text"]["content"]
    assert "已办结" in text and "满意 / 基本满意 / 不满意" in text

    clock.advance(hours=47)  # the window closes (we stop 10 minutes early)
    outside = push_world.enqueue("case_rejected", "章小平", {"tracking_number": "MY-2", "reason": "不属于受理范围"})
    dispatch_due(push_world.uow(), gateway)
    assert push_world.row(outside).channel == "template"
    assert "不属于受理范围" in sandbox.calls(TEMPLATE)[-1]["body"]["data"]["content"]["value"]


def test_a_window_we_thought_open_falls_back_to_a_template(push_world, gateway, sandbox, live_server, clock):
    push_world.bind("章小平", "oZhang", last_message_at=clock.now())
    sandbox_state(live_server.app).note_message("oZhang", clock.now() - timedelta(hours=49))
    row = push_world.enqueue("case_merged", "章小平", {"tracking_number": "MY-3", "into": "MY-1"})
    assert dispatch_due(push_world.uow(), gateway)["sent"] == 1
    assert push_world.row(row).channel == "template"
    assert [c["response"]["errcode"] for c in sandbox.calls(CS)] == [45015]


def test_mini_program_users_get_subscribe_messages(push_world, gateway, sandbox):
    push_world.bind("章小平", "oMiniZhang", app="miniapp")
    row = push_world.enqueue("case_routed", "章小平", {"tracking_number": "MY-4", "unit_name": "湖滨街道城管中队"})
    dispatch_due(push_world.uow(), gateway)
    assert push_world.row(row).channel == "miniapp_subscribe"
    body = sandbox.calls("cgi-bin/message/subscribe/send")[0]["body"]
    assert body["touser"] == "oMiniZhang" and "湖滨街道城管中队" in body["data"]["content"]["value"]


def test_unreachable_recipients_are_skipped_and_can_be_retried(push_world, gateway, sandbox, clock):
    nobody = push_world.enqueue("case_accepted", "周立群")
    gone = push_world.enqueue("case_accepted", "严民强")
    push_world.bind("严民强", "oYanGone", subscribed=False)
    orphan = push_world.enqueue("case_accepted", None)
    retired = push_world.world.create_person("退休代表", Role.deputy, "hubin")
    with push_world.uow().transaction() as session:
        session.get(Person, retired.id).is_active = False
        session.add(WechatIdentity(app="mp", openid="oRetired", person_id=retired.id, created_at=clock.now()))
        session.flush()
        enqueue(session, kind="case_accepted", recipient_id=retired.id, now=clock.now(), dedupe_key="retired")
    assert dispatch_due(push_world.uow(), gateway)["skipped"] == 4
    assert push_world.row(nobody).last_error == "收件人没有绑定微信"
    assert push_world.row(gone).last_error == "收件人已取消关注公众号"
    assert push_world.row(orphan).status == "skipped"
    assert push_world.row_by_key("retired").last_error == "收件人账号已停用"
    assert sandbox.calls(TEMPLATE) == []

    push_world.bind("周立群", "oZhou")  # the deputy binds later; staff push the skipped message again
    retry_dead(push_world.uow(), outbox_id=nobody)
    assert dispatch_due(push_world.uow(), gateway)["sent"] == 1
    assert push_world.row(nobody).status == "sent"


def test_concurrent_dispatchers_send_each_push_once(push_world, gateway, sandbox, live_server):
    push_world.bind("严民强", "oYan")
    rows = [push_world.enqueue("case_reminder", "严民强", {"tracking_number": f"MY-{n}", "hours_left": 48,
                                                          "threshold": 24}) for n in range(24)]

    def dispatcher() -> None:
        uow = live_server.runtime.uow()
        while dispatch_due(uow, gateway, limit=4)["claimed"]:
            pass

    assert raised(run_together([dispatcher] * 3)) == []
    texts = Counter(c["body"]["data"]["content"]["value"].split("已提交")[0] for c in sandbox.calls(TEMPLATE))
    assert len(texts) == 24 and set(texts.values()) == {1}
    assert {push_world.row(r).status for r in rows} == {"sent"}


def test_a_photo_is_fetched_and_attached_to_the_case(push_world, gateway, sandbox, live_server):
    case = push_world.world.create_case()
    reporter = push_world.world.person("章小平")
    media_id = sandbox_state(live_server.app).add_media()
    payload = {"case_id": case.id, "media_id": media_id, "reporter_id": reporter.id, "kind": "image"}
    row = push_world.enqueue("fetch_media", None, payload, case_id=case.id)
    missing = push_world.enqueue("fetch_media", None, {**payload, "media_id": "expired-media"}, case_id=case.id)
    dispatch_due(push_world.uow(), gateway)  # the push dispatcher only delivers: photos are the media job's
    assert (push_world.row(row).status, sandbox.calls("cgi-bin/media/get")) == ("pending", [])
    summary = fetch_due_media(push_world.uow(), gateway)
    assert (summary["claimed"], summary["sent"], summary["dead"]) == (2, 1, 1)
    assert push_world.row(row).channel == "media"
    assert "40007" in push_world.row(missing).last_error
    with push_world.uow().transaction() as session:
        attached = list(session.scalars(select(CaseAttachment).where(CaseAttachment.case_id == case.id)))
    assert len(attached) == 1
    assert len(sandbox.calls("cgi-bin/media/get")) == 2
