"""A PostgreSQL restart in the middle of 300 resident reports: every one answered, stored once, numbered.

The test runs its own throwaway cluster (initdb into a temporary folder, its own port and socket
folder) and stops and starts it while the reports stream in through the sandbox over HTTP, the way
WeChat posts them (three tries, 5 seconds each). The shared cluster is never touched.
"""
from __future__ import annotations

import contextlib
import logging
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select
from werkzeug.serving import make_server

import server.tables  # noqa: F401  (every table on Base.metadata before create_all)
from server import create_app
from server.cases.models import Case
from server.chat import texts
from server.chat.journal import REPLY_KIND, inbound_journal
from server.chat.models import InboundMessage
from server.core.clock import ManualClock
from server.core.db import Base
from server.core.runtime import build_runtime
from server.core.settings import load_settings
from server.jobs import replay_journal_job
from server.people import service as people
from server.pushes.models import OutboxMessage
from tests.factories import World

PG_BIN = Path(os.environ.get("MINYI_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))
REPORTS, RESIDENTS, SENDERS = 300, 100, 8
OUTAGE_SECONDS = 3.0


class ScratchCluster:
    """A PostgreSQL cluster of our own in a temporary folder (as the `postgres` user when we are root)."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="minyi-pg-"))
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.data = self.folder / "data"
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8")
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, tool: str, *args: str) -> None:
        command = [str(PG_BIN / tool), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=60)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "log"), "-o", options, "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture
def cluster():
    if not (PG_BIN / "initdb").exists():
        pytest.skip(f"no PostgreSQL binaries in {PG_BIN}")
    cluster = ScratchCluster()
    cluster.start()
    yield cluster
    cluster.remove()


@pytest.fixture
def app_on(cluster, tmp_path):
    """The whole app on a real port, on the scratch cluster."""
    http = make_server("127.0.0.1", 0, app=None, threaded=True)
    url = f"http://127.0.0.1:{http.server_port}"
    settings = load_settings({"DATABASE_URL": cluster.url, "MINYI_ENV": "testing", "MINYI_PUBLIC_URL": url,
                              "MINYI_INSTANCE_DIR": str(tmp_path / "instance"),
                              "WECHAT_API_BASE": f"{url}/sandbox/api"})
    runtime = build_runtime(settings, clock=ManualClock())
    Base.metadata.create_all(runtime.engine)
    http.app = create_app(settings, runtime=runtime)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield url, runtime
    http.shutdown()
    thread.join(timeout=5)
    runtime.dispose()


def count(runtime, *columns_and_where) -> int:
    column, *where = columns_and_where
    with runtime.uow().transaction() as session:
        return session.scalar(select(column).where(*where))


def test_300_reports_through_a_database_restart_are_all_answered_and_become_300_cases(cluster, app_on, caplog):
    url, runtime = app_on
    world = World.load(runtime)
    street_id = world.street("hubin").id
    openids = []
    for index in range(RESIDENTS):
        identity = people.find_or_create_resident(runtime.uow(), openid=f"o-restart-{index:04d}")
        people.set_resident_street(runtime.uow(), person_id=identity.person_id, street_id=street_id)
        openids.append(identity.openid)

    done = threading.Semaphore(0)

    def report(index: int) -> dict:
        time.sleep(0.04)  # a steady stream rather than one burst, so the restart falls in the middle
        body = {"openid": openids[index % RESIDENTS], "type": "text", "content": f"第{index}号楼前的路灯坏了，晚上很黑"}
        answer = requests.post(f"{url}/sandbox/user/send", json=body, timeout=30).json()
        done.release()
        return answer

    outage = {}

    def restart() -> None:
        for _ in range(REPORTS // 5):
            done.acquire()
        outage["stopped"] = time.monotonic()
        cluster.stop()
        time.sleep(OUTAGE_SECONDS)
        cluster.start()
        outage["started"] = time.monotonic()

    started = time.monotonic()
    caplog.set_level(logging.WARNING)
    restarter = threading.Thread(target=restart)
    restarter.start()
    with ThreadPoolExecutor(max_workers=SENDERS) as senders:
        answers = list(senders.map(report, range(REPORTS)))
    restarter.join(timeout=60)
    streamed = time.monotonic() - started

    deadline = time.monotonic() + 30
    while inbound_journal(runtime).has_pending() and time.monotonic() < deadline:
        replay_journal_job(runtime)  # the scheduler's job (a replay the webhook started may hold the lock)
        time.sleep(0.2)

    statuses = [attempt["status"] for answer in answers for attempt in answer["deliveries"][0]["attempts"]]
    journalled = sum(answer["reply"] == texts.JOURNALLED for answer in answers)
    numbered = sum(answer["reply"].startswith("已收到您的反映，编号 MY-") for answer in answers)
    cases = count(runtime, func.count(Case.id))
    with_case = count(runtime, func.count(func.distinct(InboundMessage.case_id)), InboundMessage.case_id.is_not(None))
    inbound = count(runtime, func.count(InboundMessage.id))
    pushes = count(runtime, func.count(OutboxMessage.id), OutboxMessage.kind == REPLY_KIND)
    tracebacks = [r for r in caplog.records if r.exc_info]
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    # Ours: the webhook's and the replayer's. Others (psycopg noting a broken pipeline as the server went
    # away) come once per pooled connection at most, never once per message.
    ours = [r.getMessage() for r in caplog.records
            if r.levelno >= logging.WARNING and r.name.startswith(("bot.", "server."))]
    print(f"\nstreamed {REPORTS} reports in {streamed:.1f} s, outage {outage['started'] - outage['stopped']:.1f} s; "
          f"answered 200: {statuses.count(200)}/{len(statuses)} attempts, numbered at once {numbered}, "
          f"journalled {journalled}; cases {cases}, inbound rows {inbound}, messages with a case {with_case}; "
          f"reply pushes {pushes}; log lines at WARNING or above {len(warnings)}: {warnings}")

    assert outage and journalled > 0  # the restart really happened during the stream
    assert statuses == [200] * REPORTS  # one try each, no 5xx, no timeout
    assert numbered + journalled == REPORTS
    assert cases == REPORTS and inbound == REPORTS and with_case == REPORTS  # one case per MsgId
    assert pushes == journalled  # everyone answered "编号稍后发给您" gets their number
    assert not inbound_journal(runtime).has_pending()
    assert tracebacks == []
    # One line when journalling starts and one when the journal is drained, per outage. On a loaded
    # machine a database slower than the budget before the restart is an outage of its own (answered
    # and journalled the same way), so there may be two; never a line per message.
    outages = sum("database unavailable" in line for line in ours)
    assert 1 <= outages <= 2 and sum("journal drained" in line for line in ours) == outages
    assert len(ours) == 2 * outages
    assert len(warnings) - len(ours) <= 10, warnings
