"""A scheduler SIGKILLed in the middle of the deadline sweep: another one finishes the work, every case is
reminded exactly once and every reminder reaches WeChat (the sandbox) once. Real `minyi scheduler`
processes on PostgreSQL."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from server.cases.models import CaseReminder
from server.people.models import WechatIdentity
from server.pushes.models import OutboxMessage
from server.pushes.states import OutboxStatus
from tests.jobs.helpers import insert_cases
from tests.platform.conftest import Sandbox

from .conftest import ROOT, minyi_env

pytestmark = pytest.mark.postgresql_only  # SKIP LOCKED and separate processes

CASES = 200


def scheduler(env: dict[str, str], log: Path, *args: str) -> subprocess.Popen:
    with log.open("wb") as output:  # the child keeps its own descriptor
        return subprocess.Popen([sys.executable, "-m", "server.cli", "scheduler", *args], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=output)


def scalar(runtime, statement):
    with runtime.uow().transaction() as session:
        return session.scalar(statement)


def test_a_scheduler_killed_mid_sweep_leaves_nothing_undone_and_nothing_twice(live_server, runtime, world,
                                                                             database_url, tmp_path):
    office = world.person("胡敏")
    with runtime.uow().transaction() as session:
        session.add(WechatIdentity(app="mp", openid="o-hubin-office", person_id=office.id, subscribed=True,
                                   created_at=runtime.clock.now()))
    # Accepted 25 hours ago (real time: the schedulers run on the system clock): each is due its 24 h reminder.
    now = datetime.now(UTC)
    ids = insert_cases(runtime, count=CASES, street_id=world.street("hubin").id,
                       reporter_id=world.person("严民强").id, first=now - timedelta(hours=25, minutes=30),
                       spacing=timedelta(seconds=2), accepted=True)
    env = minyi_env(database_url, tmp_path / "instance", WECHAT_API_BASE=f"{live_server.url}/sandbox/api",
                    MINYI_PUBLIC_URL=live_server.url)
    reminders = select(func.count()).select_from(CaseReminder)
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    first = scheduler(env, first_log, "--only", "deadlines")
    try:
        deadline = time.monotonic() + 40
        while scalar(runtime, reminders) < CASES // 10:  # well into the sweep
            assert first.poll() is None, first_log.read_text()
            assert time.monotonic() < deadline, "the first scheduler never started sweeping"
            time.sleep(0.01)
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    at_kill = scalar(runtime, reminders)
    assert 0 < at_kill < CASES, f"the kill did not fall mid-sweep ({at_kill} of {CASES} reminded)"

    second = scheduler(env, second_log, "--only", "deadlines", "--only", "dispatch", "--every", "dispatch=1")
    try:
        sent = select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == "case_reminder",
                                                                     OutboxMessage.status == OutboxStatus.sent)
        deadline = time.monotonic() + 90  # about 15 s on a quiet machine; a crowded one needs more
        while scalar(runtime, sent) < CASES:
            assert second.poll() is None, second_log.read_text()
            assert time.monotonic() < deadline, f"{scalar(runtime, sent)} of {CASES} reminders sent"
            time.sleep(0.2)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=20)

    with runtime.uow().transaction() as session:
        claimed = session.execute(select(CaseReminder.case_id, func.count()).group_by(CaseReminder.case_id)).all()
        rows = session.execute(select(OutboxMessage.case_id, func.count()).where(OutboxMessage.kind == "case_reminder")
                               .group_by(OutboxMessage.case_id)).all()
    assert sorted(case_id for case_id, _ in claimed) == ids and {n for _, n in claimed} == {1}
    assert sorted(case_id for case_id, _ in rows) == ids and {n for _, n in rows} == {1}
    sandbox = Sandbox(f"{live_server.url}/sandbox/api")
    delivered = [call for call in sandbox.calls("cgi-bin/message/template/send")
                 if call["body"].get("touser") == "o-hubin-office"]
    assert len(delivered) == CASES  # each reminder reached WeChat once
    print(f"scheduler kill: {at_kill} of {CASES} cases reminded when the first scheduler died")
