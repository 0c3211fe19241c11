"""The dispatcher under injected failures: retries with backoff, one refresh, give-up, dead letters, leases."""
from __future__ import annotations

import random
from datetime import timedelta

import pytest

from server.core.errors import NotFoundError, ValidationError
from server.pushes.dispatch import (
    LEASE,
    SEND_BUDGET,
    claim_due,
    dispatch_due,
    list_failed_pushes,
    retry_dead,
    send_claimed,
)
from tests.platform.conftest import FAST_TIMEOUT

pytestmark = pytest.mark.both_databases("the outbox dispatcher's leases and retries per dialect")

TEMPLATE = "cgi-bin/message/template/send"


@pytest.fixture
def deputy_push(push_world):
    push_world.bind("严民强", "oYan")
    return push_world.enqueue("case_escalated", "严民强", {"tracking_number": "MY-9", "reason": "超过72小时未办结"})


@pytest.mark.parametrize("fault", [{"mode": "http500"}, {"mode": "errcode", "errcode": 45009},
                                   {"mode": "timeout", "delay": FAST_TIMEOUT + 0.4}])
def test_transient_failures_retry_with_growing_jittered_backoff(push_world, gateway, sandbox, clock, deputy_push,
                                                                fault):
    sandbox.fault(TEMPLATE, times=2, **fault)
    uow = push_world.uow()
    assert dispatch_due(uow, gateway)["retry"] == 1
    first = push_world.row(deputy_push)
    assert first.status == "pending" and first.last_error
    assert timedelta(seconds=15) <= first.available_at - clock.now() <= timedelta(seconds=30)
    assert dispatch_due(uow, gateway)["claimed"] == 0  # not due yet: nothing is hammered
    clock.set(first.available_at)
    assert dispatch_due(uow, gateway)["retry"] == 1
    second = push_world.row(deputy_push)
    assert timedelta(seconds=30) <= second.available_at - clock.now() <= timedelta(seconds=60)
    clock.set(second.available_at)
    assert dispatch_due(uow, gateway)["sent"] == 1
    row = push_world.row(deputy_push)
    assert (row.status, row.attempts, row.last_error) == ("sent", 3, None)
    assert [c["response"].get("errcode") if isinstance(c["response"], dict) else None
            for c in sandbox.calls(TEMPLATE)][-1] == 0
    assert len(sandbox.calls(TEMPLATE)) == 3  # two failures, one success: no duplicate


def test_jitter_spreads_retries(push_world, gateway, sandbox, clock):
    push_world.bind("严民强", "oYan")
    rows = [push_world.enqueue("case_reminder", "严民强", {"tracking_number": f"MY-{n}"}) for n in range(5)]
    sandbox.fault(TEMPLATE, "http500", times=5)
    dispatch_due(push_world.uow(), gateway, rng=random.Random(7))
    assert len({push_world.row(r).available_at for r in rows}) == 5


def test_an_invalid_token_is_refreshed_once_and_the_push_goes_out(push_world, gateway, sandbox, deputy_push):
    dispatch_due(push_world.uow(), gateway)  # warm up: the token is fetched
    push_world.enqueue("case_overdue", "严民强", {"tracking_number": "MY-9"})
    sandbox.fault(TEMPLATE, "errcode", errcode=40001, times=1)
    assert dispatch_due(push_world.uow(), gateway)["sent"] == 1
    assert len(sandbox.calls("cgi-bin/stable_token")) == 2
    assert len(sandbox.calls(TEMPLATE)) == 3


def test_a_token_still_refused_after_the_refresh_is_retried_later(push_world, gateway, sandbox, deputy_push):
    sandbox.fault(TEMPLATE, "errcode", errcode=40001, times=2)
    assert dispatch_due(push_world.uow(), gateway)["retry"] == 1
    assert "40001" in push_world.row(deputy_push).last_error


def test_a_misconfigured_secret_delays_pushes_instead_of_killing_them(push_world, gateway, sandbox, deputy_push):
    sandbox.fault("cgi-bin/stable_token", "errcode", errcode=40125, times=1)  # invalid appsecret
    assert dispatch_due(push_world.uow(), gateway)["retry"] == 1
    assert "40125" in push_world.row(deputy_push).last_error


def test_a_user_who_left_is_dead_at_once_and_staff_can_retry(push_world, gateway, sandbox, deputy_push):
    sandbox.user("oYan", following=False)
    assert dispatch_due(push_world.uow(), gateway)["dead"] == 1
    row = push_world.row(deputy_push)
    assert (row.status, row.attempts) == ("dead", 1) and "43004" in row.last_error
    assert [r.id for r in list_failed_pushes(push_world.uow())] == [deputy_push]
    assert len(sandbox.calls(TEMPLATE)) == 1

    sandbox.user("oYan", following=True)
    assert retry_dead(push_world.uow(), outbox_id=deputy_push).status == "pending"
    assert dispatch_due(push_world.uow(), gateway)["sent"] == 1
    with pytest.raises(ValidationError):
        retry_dead(push_world.uow(), outbox_id=deputy_push)
    with pytest.raises(NotFoundError):
        retry_dead(push_world.uow(), outbox_id=999999)


def test_persistent_failure_is_dead_lettered_after_the_last_attempt(push_world, gateway, sandbox, clock,
                                                                     deputy_push):
    sandbox.fault(TEMPLATE, "http500", times=None)
    outcomes = []
    for _ in range(4):
        outcomes.append(dispatch_due(push_world.uow(), gateway, max_attempts=3))
        clock.advance(hours=2)
    assert [o["retry"] for o in outcomes] == [1, 1, 0, 0] and outcomes[2]["dead"] == 1
    row = push_world.row(deputy_push)
    assert row.status == "dead" and row.attempts == 3 and "gave up after 3 attempts" in row.last_error
    assert len(sandbox.calls(TEMPLATE)) == 3


def test_a_crashed_dispatchers_push_is_sent_after_its_lease(push_world, gateway, sandbox, clock, deputy_push):
    claimed = claim_due(push_world.uow(), limit=10)  # ...and the process dies before sending
    assert [c.id for c in claimed] == [deputy_push]
    assert dispatch_due(push_world.uow(), gateway)["claimed"] == 0  # leased: nobody else sends it
    clock.advance(LEASE + timedelta(seconds=1))
    assert dispatch_due(push_world.uow(), gateway)["sent"] == 1
    row = push_world.row(deputy_push)
    assert (row.status, row.attempts) == ("sent", 2)
    assert len(sandbox.calls(TEMPLATE)) == 1


def test_a_stalled_dispatcher_cannot_overwrite_the_new_owner(push_world, gateway, sandbox, clock, deputy_push):
    """A dispatcher that stalled between its claim and the send finds its lease over: it does not send,
    and its outcome is fenced off, so the row stays as the new owner recorded it. (A stall in the middle
    of the send is the at-least-once edge: test_dispatch_batch.py.)"""
    stalled = claim_due(push_world.uow(), limit=10)[0]
    clock.advance(LEASE + timedelta(seconds=1))
    assert dispatch_due(push_world.uow(), gateway)["sent"] == 1
    assert send_claimed(push_world.uow(), gateway, stalled) == "fenced"
    assert (push_world.row(deputy_push).status, push_world.row(deputy_push).attempts) == ("sent", 2)
    assert len(sandbox.calls(TEMPLATE)) == 1


def test_a_push_is_not_started_late_in_its_lease_but_released(push_world, gateway, sandbox, clock, deputy_push):
    late = claim_due(push_world.uow(), limit=10)[0]
    clock.advance(LEASE - SEND_BUDGET + timedelta(seconds=1))  # still leased, but too little left for a send
    assert send_claimed(push_world.uow(), gateway, late) == "retry"
    row = push_world.row(deputy_push)
    assert (row.status, row.attempts, row.available_at) == ("pending", 0, clock.now())  # the attempt is given back
    assert sandbox.calls(TEMPLATE) == []
    assert dispatch_due(push_world.uow(), gateway)["sent"] == 1
    assert (push_world.row(deputy_push).status, push_world.row(deputy_push).attempts) == ("sent", 1)


def test_a_row_whose_dispatchers_keep_dying_is_dead_lettered(push_world, gateway, sandbox, clock, deputy_push):
    for _ in range(3):
        claim_due(push_world.uow(), limit=10, max_attempts=3)
        clock.advance(LEASE + timedelta(seconds=1))
    assert dispatch_due(push_world.uow(), gateway, max_attempts=3)["dead"] == 1
    assert "lease expired" in push_world.row(deputy_push).last_error
    assert sandbox.calls(TEMPLATE) == []
