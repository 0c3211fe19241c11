"""Faults at the web tier, with real processes: gunicorn (deploy/gunicorn.conf.py) on PostgreSQL, the
sandbox's user side playing WeChat (signs, waits 5 s, retries three times).

- a duplicate storm: every MsgId posted 4 times at once → one case per MsgId, the same reply to all four,
  every reply within WeChat's 5 seconds;
- a web worker SIGKILLed in the middle of a stream of reports → every report answered and stored once
  (WeChat's retry reaches a live worker);
- /metrics under several workers: the webhook histogram counts every message whichever worker answered.
"""
from __future__ import annotations

import os
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from server.cases.models import Case
from server.chat.models import InboundMessage
from server.chat.texts import JOURNALLED
from server.sandbox.wechat_user import new_msg_id

from .conftest import street_scan, text_message

pytestmark = pytest.mark.postgresql_only  # several processes writing at once: what PostgreSQL is for here

# The suite's sizes; bench/README.md has the longer runs (MINYI_STORM_MESSAGES=400 MINYI_STORM_RATE=… ).
STORM_MESSAGES = int(os.environ.get("MINYI_STORM_MESSAGES", "40"))
STORM_COPIES = 4
STORM_RATE = float(os.environ.get("MINYI_STORM_RATE", "80"))  # requests a second, the copies included
STREAM = int(os.environ.get("MINYI_KILL_STREAM", "60"))


def count(runtime, model, *where) -> int:
    with runtime.uow().transaction() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def journal_depth(server) -> float:
    text = requests.get(f"{server.url}/metrics", timeout=10).text
    return next(f.samples[0].value for f in text_string_to_metric_families(text) if f.name == "minyi_journal_depth")


def drained(server) -> None:
    """Wait until no message waits in the host's journal (a copy the database could not take within its
    budget on a loaded machine is journalled, answered "系统稍忙", and replayed: the replayer then finds it
    stored by another copy and makes nothing new)."""
    deadline = time.monotonic() + 60
    while journal_depth(server) > 0:
        assert time.monotonic() < deadline, "the journal was not replayed"
        time.sleep(0.2)


def numbered_or_journalled(replies: set) -> set:
    """The tracking numbers among the replies; every other reply must be the journal's."""
    assert replies <= {r for r in replies if r and "MY-" in r} | {JOURNALLED}, replies
    return {r.split("编号 ", 1)[1].split("。", 1)[0] for r in replies if r != JOURNALLED}


def residents(server, street_id: int, how_many: int, tag: str) -> list[str]:
    """Residents who told the bot their street (a scan the database was too busy for is journalled, answered
    `success`, and replayed)."""
    wechat = server.wechat()
    openids = [f"o-{tag}-{index:04d}" for index in range(how_many)]
    with ThreadPoolExecutor(8) as pool:
        for delivery in pool.map(lambda o: wechat.post(street_scan(o, street_id), openid=o), openids):
            assert not delivery.failed and (delivery.reply is None or "已为您设置所在街道" in delivery.reply)
    drained(server)
    return openids


def test_a_duplicate_storm_makes_one_case_per_message_and_answers_within_five_seconds(gunicorn, runtime, world):
    server = gunicorn(workers=2)
    wechat = server.wechat()
    openids = residents(server, world.street("hubin").id, STORM_MESSAGES, "storm")
    messages = [(openid, new_msg_id(), f"祖庙巷{index}号门口路灯坏了") for index, openid in enumerate(openids)]
    results: dict[str, list] = {msg_id: [] for _, msg_id, _ in messages}

    def copy(openid: str, msg_id: str, text: str) -> None:
        delivery = wechat.post(text_message(openid, text, msg_id), openid=openid, retries=False)
        results[msg_id].append(delivery)

    started = time.monotonic()
    with ThreadPoolExecutor(STORM_COPIES * 8) as pool:
        for index, (openid, msg_id, text) in enumerate(messages):
            # Paced at STORM_RATE requests a second, the four copies of a message at the same moment.
            time.sleep(max(0.0, started + index * STORM_COPIES / STORM_RATE - time.monotonic()))
            for _ in range(STORM_COPIES):
                pool.submit(copy, openid, msg_id, text)
    seconds = [attempt.seconds for deliveries in results.values() for d in deliveries for attempt in d.attempts]
    assert len(seconds) == STORM_MESSAGES * STORM_COPIES
    assert all(d.attempts[0].status == 200 for deliveries in results.values() for d in deliveries)
    assert max(seconds) < 5.0, f"slowest reply {max(seconds):.2f} s"
    journalled = 0
    for deliveries in results.values():
        replies = {d.reply for d in deliveries}
        assert len(numbered_or_journalled(replies)) <= 1  # the copies that name a number name the same one
        journalled += sum(d.reply == JOURNALLED for d in deliveries)
    drained(server)
    assert count(runtime, Case) == STORM_MESSAGES
    keys = [f"msg:{msg_id}" for _, msg_id, _ in messages]
    assert count(runtime, InboundMessage, InboundMessage.dedupe_key.in_(keys)) == STORM_MESSAGES
    print(f"storm: {len(seconds)} requests, p50 {sorted(seconds)[len(seconds) // 2] * 1000:.0f} ms, "
          f"max {max(seconds) * 1000:.0f} ms, {journalled} copies journalled, "
          f"{len(seconds) / (time.monotonic() - started):.0f} req/s achieved")


def test_a_web_worker_killed_mid_stream_loses_no_report(gunicorn, runtime, world):
    server = gunicorn(workers=2)
    wechat = server.wechat()
    openids = residents(server, world.street("hubin").id, STREAM, "kill")
    answered = threading.Semaphore(0)
    deliveries: dict[str, object] = {}

    def report(index: int) -> None:
        openid, msg_id = openids[index], new_msg_id()
        deliveries[msg_id] = wechat.post(text_message(openid, f"清波街{index}号井盖丢了", msg_id), openid=openid)
        answered.release()

    victims = server.workers()
    with ThreadPoolExecutor(6) as pool:
        futures = [pool.submit(report, index) for index in range(STREAM)]
        for _ in range(STREAM // 4):
            answered.acquire(timeout=30)
        os.kill(victims[0], signal.SIGKILL)  # mid-stream: its in-flight requests die with it
        for future in futures:
            future.result(timeout=60)
    assert victims[0] not in server.workers()
    failed = [msg_id for msg_id, d in deliveries.items() if d.failed]
    assert failed == [], "WeChat would have shown 该公众号暂时无法提供服务"
    numbered_or_journalled({d.reply for d in deliveries.values()})
    drained(server)
    assert count(runtime, Case) == STREAM  # every report is a case, none twice
    keys = [f"msg:{msg_id}" for msg_id in deliveries]
    assert count(runtime, InboundMessage, InboundMessage.dedupe_key.in_(keys)) == STREAM
    retried = sum(len(d.attempts) > 1 for d in deliveries.values())
    print(f"kill: {STREAM} reports, {retried} needed WeChat's retry after the worker died")


def test_metrics_count_every_message_whichever_worker_answered(gunicorn, runtime, world):
    server = gunicorn(workers=3)
    residents(server, world.street("hubin").id, 24, "metrics")  # 24 signed messages
    totals = set()
    for _ in range(6):  # several scrapes, so several workers answer them
        text = requests.get(f"{server.url}/metrics", timeout=10).text
        families = {f.name: f for f in text_string_to_metric_families(text)}
        totals.add(sum(s.value for s in families["minyi_webhook_seconds"].samples
                       if s.name == "minyi_webhook_seconds_count"))
        assert families["minyi_database_up"].samples[0].value == 1
    assert totals == {24.0}
    outside = requests.get(f"{server.url}/metrics", headers={"X-Forwarded-For": "198.51.100.7"}, timeout=10)
    assert outside.status_code == 403
