"""The dispatcher's rounds: one bulk claim, sends on a thread pool, one transaction for the outcomes."""
from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import delete, event, select, text

from server.cases.models import CaseAttachment
from server.chat.media import fetch_due_media
from server.pushes.dispatch import LEASE, claim_due, dispatch_due, send_claimed
from server.pushes.models import OutboxMessage
from server.pushes.notifications import enqueue
from server.sandbox import sandbox_state
from tests.concurrency import raised, run_together

pytestmark = pytest.mark.both_databases("the outbox dispatcher's bulk claim per dialect")

TEMPLATE = "cgi-bin/message/template/send"
CS = "cgi-bin/message/custom/send"


def _reminders(push_world, name: str, count: int) -> list[int]:
    person = push_world.world.person(name)
    now = push_world.runtime.clock.now()
    with push_world.uow().transaction() as session:
        for n in range(count):
            enqueue(session, kind="case_reminder", recipient_id=person.id, now=now, dedupe_key=f"batch:{n}",
                    payload={"tracking_number": f"MY-B{n:04d}", "hours_left": 48, "threshold": 24})
        return list(session.scalars(select(OutboxMessage.id).where(OutboxMessage.dedupe_key.like("batch:%"))))


@pytest.mark.postgresql_only
def test_a_claim_skips_rows_another_dispatcher_holds_without_waiting(push_world, live_server):
    """SKIP LOCKED is PostgreSQL's: one claim's transaction stays open (its rows locked) while another
    dispatcher claims; the second must neither wait nor take a locked row. (SQLite serialises claimers
    with BEGIN IMMEDIATE: the second would wait, which is correct there.)"""
    push_world.bind("严民强", "oYan")
    _reminders(push_world, "严民强", 60)
    holder = live_server.runtime.uow()
    with holder.transaction():
        held = claim_due(holder, limit=30)
        other: list = []
        thread = threading.Thread(target=lambda: other.extend(claim_due(live_server.runtime.uow(), limit=30)))
        thread.start()
        thread.join(timeout=20)
        assert not thread.is_alive(), "the second claim waited for the first one's locks"
    assert len(held) == len(other) == 30
    assert not {c.id for c in held} & {c.id for c in other}


def test_racing_dispatchers_never_claim_a_row_twice(push_world, live_server):
    push_world.bind("严民强", "oYan")
    rows = _reminders(push_world, "严民强", 240)
    claims: Counter[int] = Counter()
    # Four dispatchers claim small batches at once until nothing is due.
    lock = threading.Lock()

    def claimer() -> None:
        uow = live_server.runtime.uow()
        while taken := claim_due(uow, limit=7):
            with lock:
                claims.update(c.id for c in taken)

    assert raised(run_together([claimer] * 4)) == []
    assert set(claims.values()) == {1}
    assert set(claims) == set(rows)


def test_a_round_with_mixed_outcomes_records_each_in_one_statement(push_world, gateway, sandbox, clock,
                                                                  engine, live_server):
    now = clock.now()
    push_world.bind("严民强", "oYan")
    push_world.bind("周立群", "oZhouLeft")
    sandbox.user("oZhouLeft", following=False)  # WeChat answers 43004: permanent
    push_world.bind("章小平", "oZhang", last_message_at=now - timedelta(hours=1))  # a chat text...
    sandbox.fault(CS, "http500", times=1)  # ...that fails once: transient
    sent = push_world.enqueue("case_accepted", "严民强")
    dead = push_world.enqueue("case_accepted", "周立群")
    retry = push_world.enqueue("case_resolved", "章小平", {"tracking_number": "MY-7", "feedback": "已修复"})
    skipped = push_world.enqueue("case_accepted", None)
    unknown = push_world.enqueue("case_accepted", "严民强")
    with push_world.uow().transaction() as session:  # a kind this release does not know (a newer one wrote it)
        session.execute(text("UPDATE outbox_messages SET kind = 'no_such_kind' WHERE id = :id"), {"id": unknown})
    case = push_world.world.create_case()  # a photo: not the push dispatcher's, the media job's
    media_id = sandbox_state(live_server.app).add_media()
    photo = push_world.enqueue("fetch_media", None, {"case_id": case.id, "media_id": media_id, "kind": "image",
                                                     "reporter_id": push_world.world.person("章小平").id},
                               case_id=case.id)
    with push_world.uow().transaction() as session:  # the new case's own pushes are not this test's
        session.execute(delete(OutboxMessage).where(OutboxMessage.id.not_in(
            [sent, dead, retry, skipped, unknown, photo])))

    statements: list[tuple[str, bool, int]] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        statements.append((" ".join(statement.split()), executemany, len(parameters) if executemany else 1))

    event.listen(engine, "before_cursor_execute", seen)
    try:
        summary = dispatch_due(push_world.uow(), gateway)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert summary == {"claimed": 5, "sent": 1, "retry": 1, "dead": 2, "skipped": 1, "fenced": 0}

    row = push_world.row(sent)
    assert (row.status, row.channel, row.attempts, row.sent_at, row.lease_expires_at) == (
        "sent", "template", 1, now, None)
    row = push_world.row(dead)
    assert (row.status, row.attempts, row.channel, row.sent_at) == ("dead", 1, None, None)
    assert "43004" in row.last_error
    row = push_world.row(retry)
    assert (row.status, row.attempts, row.channel, row.lease_expires_at) == ("pending", 1, None, None)
    assert timedelta(seconds=15) <= row.available_at - now <= timedelta(seconds=30) and row.last_error
    row = push_world.row(skipped)
    assert (row.status, row.last_error, row.available_at) == ("skipped", "收件人不存在", now)
    with push_world.uow().transaction() as session:
        assert "unknown outbox kind" in session.scalar(
            select(OutboxMessage.last_error).where(OutboxMessage.id == unknown))
    assert (push_world.row(photo).status, push_world.row(photo).channel) == ("pending", None)

    updates = [(s, rows) for s, _, rows in statements if s.startswith("UPDATE outbox_messages")]
    assert len(updates) == 2  # the claim; the five pushes' outcomes at once
    assert "RETURNING" in updates[0][0] and updates[1][1] == 5
    routes = ("SELECT people.id, people.is_active, people.role FROM", "SELECT wechat_identities.person_id,")
    assert sum(s.startswith(routes) for s, _, _ in statements) == 2  # for the whole round

    clock.set(push_world.row(retry).available_at)  # the transient one goes out on its retry
    assert dispatch_due(push_world.uow(), gateway)["sent"] == 1
    assert (push_world.row(retry).status, push_world.row(retry).channel) == ("sent", "cs_text")
    assert fetch_due_media(push_world.uow(), gateway)["sent"] == 1  # the photo, by its own job
    assert (push_world.row(photo).status, push_world.row(photo).channel) == ("sent", "media")
    with push_world.uow().transaction() as session:
        assert len(list(session.scalars(select(CaseAttachment).where(CaseAttachment.case_id == case.id)))) == 1
    assert len(sandbox.calls(TEMPLATE)) == 2 and len(sandbox.calls(CS)) == 2


class _TakeoverDuringSend:
    """The real gateway, except that during the first send the round stalls long enough for its lease
    to run out and another dispatcher to take the row over (and send it) before the send goes on."""

    def __init__(self, gateway, takeover) -> None:
        self._gateway, self._takeover, self._done = gateway, takeover, False

    def __getattr__(self, name):
        return getattr(self._gateway, name)

    def send_template(self, *args, **kwargs):
        if not self._done:
            self._done = True
            self._takeover()
        return self._gateway.send_template(*args, **kwargs)


def test_an_outcome_is_fenced_when_the_lease_was_taken_over_mid_send(push_world, gateway, sandbox, clock):
    """The at-least-once edge: a send already under way when the lease ran out still reaches WeChat,
    but its outcome does not overwrite the new owner's; a push not yet started is released unsent."""
    push_world.bind("严民强", "oYan")
    first = push_world.enqueue("case_reminder", "严民强", {"tracking_number": "MY-F1", "hours_left": 48,
                                                          "threshold": 24})
    second = push_world.enqueue("case_reminder", "严民强", {"tracking_number": "MY-F2", "hours_left": 48,
                                                           "threshold": 24})
    taken: list[str] = []

    def takeover() -> None:
        clock.advance(LEASE + timedelta(seconds=1))
        other = push_world.uow()
        claimed = claim_due(other, limit=1)  # the oldest row: the one being sent
        assert [c.id for c in claimed] == [first]
        taken.append(send_claimed(other, gateway, claimed[0]))

    stalling = _TakeoverDuringSend(gateway, takeover)
    summary = dispatch_due(push_world.uow(), stalling, threads=1)  # in order: the first row stalls
    assert taken == ["sent"]
    assert summary == {"claimed": 2, "sent": 0, "retry": 1, "dead": 0, "skipped": 0, "fenced": 1}
    row = push_world.row(first)
    assert (row.status, row.attempts) == ("sent", 2)  # as the new owner recorded it
    row = push_world.row(second)
    assert (row.status, row.attempts, row.available_at) == ("pending", 0, clock.now())  # not started: released
    assert [c["body"]["data"]["content"]["value"].count("MY-F1") for c in sandbox.calls(TEMPLATE)] == [1, 1]
    assert dispatch_due(push_world.uow(), gateway)["sent"] == 1
    assert (push_world.row(second).status, len(sandbox.calls(TEMPLATE))) == ("sent", 3)
