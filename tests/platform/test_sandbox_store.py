"""The sandbox's stores, memory and Redis, keep the same promises: bounded, expiring, atomic."""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import redis

from server.sandbox.redis_store import RedisSandboxStore
from server.sandbox.state import SandboxState
from server.sandbox.store import Fault, Limits, MemorySandboxStore
from tests.platform.conftest import REDIS_URL

LIMITS = Limits(pushes_per_user=3, calls=4, media=2, media_ttl=timedelta(seconds=1))
NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["memory", "redis"])
def make_store(request, redis_prefix):
    """Stores of one kind sharing one state: Redis ones (same prefix) like two workers, memory ones like
    two threads of one process (the same store)."""
    clients, memory = [], MemorySandboxStore(LIMITS)

    def make():
        if request.param == "memory":
            return memory
        clients.append(redis.Redis.from_url(REDIS_URL))
        return RedisSandboxStore(clients[-1], f"{redis_prefix}:sandbox", LIMITS)

    yield make
    for client in clients:
        client.close()


def test_each_user_keeps_only_their_last_pushes(make_store):
    state = SandboxState(1.0, make_store())
    for number in range(5):
        state.deliver("oA", "text", {"n": number}, NOW)
    state.deliver("oB", "text", {"n": 9}, NOW)
    assert [push["body"]["n"] for push in state.messages_for("oA")] == [2, 3, 4]
    state.clear_calls()
    assert state.messages_for("oA") == state.messages_for("oB") == []


def test_the_call_log_keeps_the_last_calls_and_a_cleared_call_stays_cleared(make_store):
    state = SandboxState(1.0, make_store())
    calls = [{"path": f"p{number}", "status": None} for number in range(6)]
    for call in calls:
        state.record(call)
    state.complete(calls[5], status=200)
    assert [(c["id"], c["path"], c["status"]) for c in state.list_calls()] == [
        (3, "p2", None), (4, "p3", None), (5, "p4", None), (6, "p5", 200)]
    state.clear_calls()
    state.complete(calls[4], status=500)  # its request ended after the clear
    assert state.list_calls() == []
    late = {"path": "p6"}
    state.record(late)
    assert late["id"] == 1


def test_media_expire(make_store):
    state = SandboxState(1.0, make_store())
    media_id = state.add_media(b"jpeg", "image/jpeg")
    assert state.get_media(media_id) == (b"jpeg", "image/jpeg")
    time.sleep(1.2)
    assert state.get_media(media_id) is None


def test_process_memory_keeps_a_bounded_number_of_media():
    state = SandboxState(1.0, MemorySandboxStore(LIMITS))
    first, second, third = (state.add_media(bytes([n])) for n in range(3))
    assert state.get_media(first) is None and state.get_media(third) == (b"\x02", "image/jpeg")


def test_a_counted_fault_is_used_exactly_that_often_by_racing_workers(make_store):
    stores = [make_store(), make_store()]
    stores[0].add_fault(Fault(path="cgi-bin/token", mode="errcode", errcode=45009, times=5, delay=0.5))
    stores[0].add_fault(Fault(path="cgi-bin/other", mode="http500", errcode=None, times=None, delay=None))
    with ThreadPoolExecutor(max_workers=8) as pool:
        taken = list(pool.map(lambda n: stores[n % 2].take_fault("cgi-bin/token"), range(20)))
    hits = [fault for fault in taken if fault is not None]
    assert len(hits) == 5 and {(f.errcode, f.delay) for f in hits} == {(45009, 0.5)}
    assert [f.path for f in stores[1].faults()] == ["cgi-bin/other"]
    assert stores[1].take_fault("cgi-bin/other").times is None and len(stores[0].faults()) == 1


def test_tokens_dead_for_a_lifetime_are_forgotten(make_store):
    state = SandboxState(1.0, make_store())
    first = state.issue_token("wx1", NOW)
    second = state.issue_token("wx1", NOW + timedelta(minutes=1))
    assert state.token(first.value).invalid_after == NOW + timedelta(minutes=6)
    third = state.issue_token("wx1", NOW + timedelta(hours=3))
    assert state.token(first.value) is None  # retired 3 h ago: dropped
    assert state.token(second.value) is not None  # expired 59 min ago: still answers 42001
    assert {t.value for t in state.store.tokens()} == {second.value, third.value}
