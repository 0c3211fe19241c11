"""Real processes for the fault and operations tests: gunicorn with deploy/gunicorn.conf.py, `minyi` commands."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from server.core.settings import DEFAULT_WECHAT_TOKEN
from server.sandbox.wechat_user import WechatUserSide, message_xml

ROOT = Path(__file__).resolve().parents[2]
SANDBOX_APP_ID = "wxsandbox0000000001"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def minyi_env(database_url: str, instance_dir: Path, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("MINYI_", "WECHAT_", "PROMETHEUS_"))}
    env.update(DATABASE_URL=database_url, MINYI_INSTANCE_DIR=str(instance_dir), MINYI_ENV="testing", **extra)
    return env


class Gunicorn:
    """`gunicorn -c deploy/gunicorn.conf.py 'server:create_app()'` on a free port; its workers' pids."""

    def __init__(self, env: dict[str, str], workers: int, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self._log_file = log.open("wb")
        gunicorn = Path(sys.executable).parent / "gunicorn"
        env = {**env, "MINYI_PUBLIC_URL": self.url, "MINYI_LOG_FORMAT": "json"}
        self.process = subprocess.Popen(
            [str(gunicorn), "-c", str(ROOT / "deploy" / "gunicorn.conf.py"), "--bind", f"127.0.0.1:{self.port}",
             "--workers", str(workers), "server:create_app()"],
            cwd=ROOT, env=env, stdout=self._log_file, stderr=subprocess.STDOUT)
        # The host's replayer, as deploy/minyi-replayer.service runs it next to the web processes.
        self.replayer = subprocess.Popen([sys.executable, "-m", "server.cli", "journal", "replay", "--every", "1"],
                                         cwd=ROOT, env=env, stdout=self._log_file, stderr=subprocess.STDOUT)
        self.wait_until_up(workers)

    def wait_until_up(self, workers: int) -> None:
        deadline = time.monotonic() + 60
        while len(self.workers()) < workers or not self._healthy():
            assert self.process.poll() is None, self.log.read_text()[-3000:]
            assert time.monotonic() < deadline, "gunicorn did not come up: " + self.log.read_text()[-3000:]
            time.sleep(0.2)

    def _healthy(self) -> bool:
        try:
            return requests.get(f"{self.url}/healthz", timeout=5).status_code == 200
        except requests.RequestException:
            return False

    def workers(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def wechat(self) -> WechatUserSide:
        """The sandbox's user side playing WeChat against this server: signs, retries three times."""
        return WechatUserSide(bot_url=f"{self.url}/wechat", token=DEFAULT_WECHAT_TOKEN, app_id=SANDBOX_APP_ID)

    def stop(self) -> None:
        for process in (self.process, self.replayer):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=10)
        self._log_file.close()


@pytest.fixture
def gunicorn(database_url, tmp_path) -> Iterator:
    started: list[Gunicorn] = []

    def start(workers: int = 2, **extra: str) -> Gunicorn:
        env = minyi_env(database_url, tmp_path / "instance", PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "prom"),
                        **extra)
        server = Gunicorn(env, workers, tmp_path / f"gunicorn-{len(started)}.log")
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def text_message(openid: str, content: str, msg_id: str) -> str:
    return message_xml({"ToUserName": "gh_minyi_sandbox", "FromUserName": openid, "CreateTime": int(time.time()),
                        "MsgType": "text", "Content": content, "MsgId": int(msg_id)})


def street_scan(openid: str, street_id: int) -> str:
    return message_xml({"ToUserName": "gh_minyi_sandbox", "FromUserName": openid, "CreateTime": int(time.time()),
                        "MsgType": "event", "Event": "SCAN", "EventKey": f"street:{street_id}"})
