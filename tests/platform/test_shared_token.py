"""One access token for every process, through the real local Redis; a 40001 burst refreshes once."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

from tests.platform.conftest import REDIS_URL, Sandbox

TEMPLATE = "cgi-bin/message/template/send"
DATA = {"content": {"value": "提醒"}}
ROOT = Path(__file__).resolve().parents[2]


def _tokens_used(sandbox) -> set[str]:
    return {call["query"]["access_token"] for call in sandbox.calls(TEMPLATE)}


def test_two_runtimes_share_one_token(make_runtime, sandbox):
    first, second = make_runtime(), make_runtime()
    first.wechat.send_template("oDeputy1", "tpl", DATA)
    second.wechat.send_template("oDeputy2", "tpl", DATA)
    assert len(sandbox.calls("cgi-bin/stable_token")) == 1
    assert len(_tokens_used(sandbox)) == 1
    assert first.wechat.mp.tokens.fetches + second.wechat.mp.tokens.fetches == 1


def test_a_burst_of_40001_refreshes_once(make_runtime, sandbox):
    runtimes = [make_runtime(), make_runtime()]
    for runtime in runtimes:
        runtime.wechat.send_template("oDeputy1", "tpl", DATA)
    sandbox.revoke_tokens()  # every request with the old token now answers 40001
    barrier = threading.Barrier(8)
    failures: list[BaseException] = []

    def send(index: int) -> None:
        barrier.wait()
        try:
            runtimes[index % 2].wechat.send_template(f"oDeputy{index}", "tpl", DATA)
        except BaseException as exc:  # collected and asserted below, so a thread cannot hide it
            failures.append(exc)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert failures == []
    assert len(sandbox.calls("cgi-bin/stable_token")) == 2  # the first fetch and ONE refresh
    answers = [call["response"]["errcode"] for call in sandbox.calls(TEMPLATE)]
    assert answers.count(0) == 2 + 8  # the warm-up sends and every burst send succeeded


WORKER = """
import sys, time
import redis
from server.core.runtime import build_runtime
from server.core.settings import load_settings

prefix, parties = sys.argv[1], int(sys.argv[2])
runtime = build_runtime(load_settings())
client = redis.Redis.from_url(runtime.settings.redis_url)
client.incr(prefix + ":barrier")
deadline = time.monotonic() + 20
while int(client.get(prefix + ":barrier")) < parties and time.monotonic() < deadline:
    time.sleep(0.01)
for n in range(3):
    runtime.wechat.send_template("oWorker", "tpl", {"content": {"value": str(n)}})
print(runtime.wechat.mp.tokens.fetches)
"""


def _run_workers(url: str, redis_prefix: str, tag: str) -> list[int]:
    env = {**os.environ, "DATABASE_URL": "sqlite://", "MINYI_ENV": "testing", "REDIS_URL": REDIS_URL,
           "MINYI_REDIS_PREFIX": redis_prefix, "WECHAT_API_BASE": f"{url}/sandbox/api",
           "MINYI_PUBLIC_URL": url}
    processes = [subprocess.Popen([sys.executable, "-c", WORKER, f"{redis_prefix}:{tag}", "2"], cwd=ROOT, env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    fetches = []
    for process in processes:
        out, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
        fetches.append(int(out.strip()))
    return fetches


def test_two_processes_share_one_token_and_refresh_once(standalone_sandbox, redis_prefix):
    sandbox = Sandbox(f"{standalone_sandbox}/sandbox/api")
    assert sum(_run_workers(standalone_sandbox, redis_prefix, "first")) == 1
    assert len(sandbox.calls("cgi-bin/stable_token")) == 1
    assert len(_tokens_used(sandbox)) == 1
    sandbox.revoke_tokens()
    assert sum(_run_workers(standalone_sandbox, redis_prefix, "second")) == 1
    assert len(sandbox.calls("cgi-bin/stable_token")) == 2
    assert [call["response"]["errcode"] for call in sandbox.calls(TEMPLATE)].count(0) == 12
