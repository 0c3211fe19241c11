"""The inbound journal: what the webhook writes when the database cannot take a message, and its replay."""
from __future__ import annotations

import json
import logging
import time
import uuid

import pytest
from sqlalchemy import func, select

from bot.journal import Intake
from server.cases.models import Case
from server.chat import texts
from server.chat.journal import REPLY_KIND, inbound_journal, replay_journal
from server.chat.models import InboundMessage
from server.core.journal import Journal
from server.core.runtime import build_runtime
from server.core.settings import load_settings
from server.people import service as people
from server.pushes.models import OutboxMessage

UNREACHABLE_PG = "postgresql+psycopg://postgres@127.0.0.1:9/nowhere"  # the discard port: refused at once

pytestmark = pytest.mark.both_databases("replay goes through the chat path's ON CONFLICT claims")

def message(openid: str, msg_id: int, content: str | None = "小区路灯坏了一周，晚上很黑", kind: str = "text",
            **extra) -> dict:
    return {"msg_type": kind, "openid": openid, "create_time": 1795000000, "msg_id": str(msg_id),
            "to": "gh_minyi_sandbox", "content": content if kind == "text" else None, **extra}


def resident(runtime, world) -> str:
    openid = f"o-{uuid.uuid4().hex[:20]}"
    identity = people.find_or_create_resident(runtime.uow(), openid=openid)
    people.set_resident_street(runtime.uow(), person_id=identity.person_id, street_id=world.street("hubin").id)
    return openid


def count(runtime, model, *where) -> int:
    with runtime.uow().transaction() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def test_an_entry_is_fsynced_whole_and_every_process_sees_it_once(tmp_path):
    first, second = Journal(tmp_path), Journal(tmp_path)  # two processes of one host
    assert first.append("msg:1", "2026-11-28T01:00:00+00:00", message("o-a", 1))
    assert not second.append("msg:1", "2026-11-28T01:00:01+00:00", message("o-a", 1))  # the retry
    assert second.append("msg:2", "2026-11-28T01:00:02+00:00", message("o-b", 2))
    lines = [json.loads(line) for line in (tmp_path / "inbound.jsonl").read_text().splitlines()]
    assert [line.get("key") for line in lines] == [None, "msg:1", "msg:2"] and "journal" in lines[0]
    assert [entry.key for entry in first.pending()] == ["msg:1", "msg:2"]
    assert first.has_pending_from("o-b") and not first.has_pending_from("o-c")
    second.mark_done("msg:1")
    assert [entry.key for entry in first.pending()] == ["msg:2"]


def test_a_line_torn_by_a_crash_is_skipped_and_the_next_entry_stands_alone(tmp_path):
    journal = Journal(tmp_path)
    journal.append("msg:1", "2026-11-28T01:00:00+00:00", message("o-a", 1))
    with open(tmp_path / "inbound.jsonl", "ab") as file:
        file.write(b'{"key": "msg:2", "at": "2026-11-28T01:00:0')  # the process died mid-write
    after_crash = Journal(tmp_path)
    assert [entry.key for entry in after_crash.pending()] == ["msg:1"]
    assert after_crash.append("msg:3", "2026-11-28T01:00:03+00:00", message("o-a", 3))
    assert [entry.key for entry in Journal(tmp_path).pending()] == ["msg:1", "msg:3"]
    assert [entry.key for entry in after_crash.pending()] == ["msg:1", "msg:3"]


def test_a_drained_journal_is_emptied_and_a_new_generation_is_read_afresh(tmp_path):
    writer, reader = Journal(tmp_path), Journal(tmp_path)
    writer.append("msg:1", "2026-11-28T01:00:00+00:00", message("o-a", 1))
    assert reader.has_pending()
    writer.mark_done("msg:1")
    assert writer.compact() == 1 and (tmp_path / "inbound.jsonl").stat().st_size == 0
    writer.append("msg:2", "2026-11-28T01:00:00+00:00", message("o-a", 2))
    assert [entry.key for entry in reader.pending()] == ["msg:2"]


def test_replay_is_in_order_and_a_second_replay_makes_no_second_case(runtime, world, caplog):
    journal = inbound_journal(runtime)
    openid = resident(runtime, world)
    at = runtime.clock.now().isoformat()
    journal.append("msg:11", at, message(openid, 11))
    journal.append("msg:12", at, message(openid, 12, kind="image", media_id="m-1", pic_url="http://x/m-1"))
    with caplog.at_level(logging.WARNING):
        assert replay_journal(runtime.uow, journal) == {"replayed": 2, "set_aside": 0, "waiting": 0}
    assert count(runtime, Case) == 1
    with runtime.uow().transaction() as session:
        replies = list(session.scalars(select(InboundMessage.reply).order_by(InboundMessage.id)))
        pushes = list(session.scalars(select(OutboxMessage.payload).where(OutboxMessage.kind == REPLY_KIND)
                                      .order_by(OutboxMessage.id)))
    assert replies[0].startswith("已收到您的反映，编号 MY-") and replies[1].startswith("照片已补充到反映 MY-")
    assert [payload["text"] for payload in pushes] == replies  # the text came first, so the photo joined it
    assert [r.message for r in caplog.records] == [
        "inbound journal drained: the 2 message(s) journalled during the outage are in the database "
        "(0 set aside in this pass)"]

    # A crash after the commit but before the done mark: the entries come back and are replayed again.
    journal.append("msg:11", at, message(openid, 11))
    journal.append("msg:12", at, message(openid, 12, kind="image", media_id="m-1", pic_url="http://x/m-1"))
    assert replay_journal(runtime.uow, journal)["replayed"] == 2
    assert count(runtime, Case) == 1 and count(runtime, InboundMessage) == 2
    assert count(runtime, OutboxMessage, OutboxMessage.kind == REPLY_KIND) == 2


def test_a_retry_while_the_database_is_down_gets_the_same_answer_and_is_journalled_once(
        runtime, world, settings, caplog):
    down = build_runtime(load_settings({"DATABASE_URL": UNREACHABLE_PG, "MINYI_ENV": "testing",
                                        "MINYI_INSTANCE_DIR": str(settings.instance_dir)}), clock=runtime.clock)
    intake = Intake(1.5)
    openid = resident(runtime, world)
    report = message(openid, 21)
    with caplog.at_level(logging.WARNING):
        answers = [intake.answer(down, report) for _ in range(3)]  # WeChat's three tries
        event = intake.answer(down, {"msg_type": "event", "openid": openid, "create_time": 1795000001,
                                     "msg_id": None, "event": "click", "event_key": "help"})
    assert answers == [texts.JOURNALLED] * 3 and event == ""
    assert [entry.key for entry in inbound_journal(down).pending()][:1] == ["msg:21"]
    assert len(inbound_journal(down).pending()) == 2
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "database unavailable" in warnings[0].message and not warnings[0].exc_info

    # The database is back (same host, same journal folder): the replay makes the case and queues its number.
    result = replay_journal(runtime.uow, inbound_journal(runtime))
    for _ in range(50):  # the intake's own replay attempt (on the dead database) may still hold the lock
        if not result.get("busy"):
            break
        time.sleep(0.1)
        result = replay_journal(runtime.uow, inbound_journal(runtime))
    assert result["replayed"] == 2
    assert count(runtime, Case) == 1
    with runtime.uow().transaction() as session:
        pushed = list(session.scalars(select(OutboxMessage.payload).where(OutboxMessage.kind == REPLY_KIND)
                                      .order_by(OutboxMessage.id)))
    assert len(pushed) == 2 and pushed[0]["text"].startswith("已收到您的反映，编号 MY-")
    assert intake.answer(runtime, message(openid, 22, content="楼道里的灯也不亮了，请派人修")).startswith(
        "已收到您的反映，编号 MY-")
    down.dispose()


def test_an_entry_that_cannot_be_replayed_is_set_aside_and_does_not_block_the_others(runtime, world, tmp_path):
    journal = inbound_journal(runtime)
    openid = resident(runtime, world)
    at = runtime.clock.now().isoformat()
    journal.append("msg:31", at, {"msg_type": "text", "msg_id": "31", "create_time": 1})  # no openid: a bug
    journal.append("msg:32", at, message(openid, 32))
    result = replay_journal(runtime.uow, journal)
    assert result == {"replayed": 1, "set_aside": 1, "waiting": 0}
    assert count(runtime, Case) == 1
    assert json.loads(journal.failed_path.read_text())["key"] == "msg:31"
