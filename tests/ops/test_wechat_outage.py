"""WeChat's API failing for an hour of injected time: every push is delivered after it, none twice, and
the 40001 burst that follows costs one token fetch across processes.

During the hour two dispatchers (runtimes sharing Redis, as two processes would) run whenever a push falls
due, as the scheduler's 5-second dispatcher would; the clock jumps from one due time to the next. After
it, two real `minyi sweep --job dispatch` processes race to send everything.
"""
from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import requests
from sqlalchemy import func, select

from server.core.runtime import build_runtime
from server.core.settings import load_settings
from server.pushes.dispatch import dispatch_due
from server.pushes.models import OutboxMessage
from server.pushes.states import OutboxStatus
from tests.conftest import REDIS_URL
from tests.platform.conftest import PushWorld, Sandbox

from .conftest import ROOT, minyi_env

pytestmark = pytest.mark.postgresql_only  # leases and SKIP LOCKED between dispatchers

TEMPLATE = "cgi-bin/message/template/send"
PEOPLE = {"严民强": "o-yan", "胡敏": "o-hu", "徐芳": "o-xu", "蔡静": "o-cai"}
PUSHES_EACH = 5
OUTAGE = timedelta(hours=1)


def statuses(runtime) -> dict[str, int]:
    with runtime.uow().transaction() as session:
        return {str(status): n for status, n in session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))}


def test_an_hour_of_failing_wechat_then_every_push_once_and_one_token_fetch(live_server, world, clock,
                                                                            redis_prefix, database_url, tmp_path):
    sandbox = Sandbox(f"{live_server.url}/sandbox/api")
    pushes = PushWorld(live_server.runtime, world)
    for name, openid in PEOPLE.items():
        pushes.bind(name, openid)
        for index in range(PUSHES_EACH):
            pushes.enqueue("case_escalated", name, {"tracking_number": f"MY-20261128-{index:04d}",
                                                    "reason": "超过72小时未办结"})
    total = len(PEOPLE) * PUSHES_EACH
    shared = {"DATABASE_URL": database_url, "MINYI_ENV": "testing", "MINYI_INSTANCE_DIR": str(tmp_path),
              "MINYI_PUBLIC_URL": live_server.url, "WECHAT_API_BASE": f"{live_server.url}/sandbox/api",
              "REDIS_URL": REDIS_URL, "MINYI_REDIS_PREFIX": redis_prefix, "WECHAT_TIMEOUT_SECONDS": "2"}
    dispatchers = [build_runtime(load_settings(shared), clock=clock) for _ in range(2)]

    sandbox.fault(TEMPLATE, "http500", times=None)  # WeChat is down
    outage_ends = clock.now() + OUTAGE
    rounds = 0
    with ThreadPoolExecutor(2) as pool:
        while True:
            with live_server.runtime.uow().transaction() as session:
                due = session.scalar(select(func.min(OutboxMessage.available_at))
                                     .where(OutboxMessage.status == OutboxStatus.pending))
            if due is None or due > outage_ends:
                break
            clock.set(max(due, clock.now()))
            list(pool.map(lambda rt: dispatch_due(rt.uow(), rt.wechat, limit=100), dispatchers))
            rounds += 1
            assert rounds < 2000
    attempts = len(sandbox.calls(TEMPLATE))
    assert statuses(live_server.runtime) == {"pending": total}, "nothing may be given up during the hour"
    assert attempts >= total * 7  # each push was tried again and again through the hour

    requests.delete(f"{sandbox.base}/faults", timeout=5).raise_for_status()  # WeChat is back …
    sandbox.revoke_tokens()  # … and every token it knew answers 40001
    requests.delete(f"{sandbox.base}/calls", timeout=5).raise_for_status()
    after = (outage_ends + timedelta(hours=1, minutes=1)).isoformat()  # every backoff has run out
    env = minyi_env(database_url, tmp_path, MINYI_PUBLIC_URL=live_server.url,
                    WECHAT_API_BASE=f"{live_server.url}/sandbox/api", REDIS_URL=REDIS_URL,
                    MINYI_REDIS_PREFIX=redis_prefix)
    processes = [subprocess.Popen([sys.executable, "-m", "server.cli", "sweep", "--job", "dispatch", "--at", after],
                                  cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                 for _ in range(2)]
    assert [process.wait(timeout=60) for process in processes] == [0, 0]

    assert statuses(live_server.runtime) == {"sent": total}
    delivered = [call for call in sandbox.calls(TEMPLATE) if call["response"].get("errcode") == 0]
    per_push = {(call["body"]["touser"], str(call["body"]["data"])) for call in delivered}
    assert len(delivered) == len(per_push) == total  # every push once, none twice
    assert len(sandbox.calls("cgi-bin/stable_token")) == 1  # one fetch for the whole 40001 burst
    print(f"outage: {rounds} dispatch rounds, {attempts} failed sends in the hour, then {total} sent once")
    for runtime in dispatchers:
        runtime.dispose()
