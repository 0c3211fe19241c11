"""`minyi sweep [--at]` and `minyi scheduler` as real processes against the test database."""
from __future__ import annotations

import json
import signal
import socket
import time
from datetime import UTC, datetime, timedelta

import pytest
import requests

from server.cases.states import CaseState, Holder
from server.people.models import WechatIdentity

from .conftest import minyi_env, start_minyi
from .helpers import claims, told

pytestmark = pytest.mark.both_databases("the scheduler and the sweep as separate processes against each database")


def run_minyi(*args: str, env) -> tuple[int, str, str]:
    process = start_minyi(*args, env=env)
    out, err = process.communicate(timeout=120)
    return process.returncode, out, err


def test_sweep_at_acts_as_of_that_instant_and_prints_a_summary(world, runtime, database_url, tmp_path):
    case = world.create_case()
    env = minyi_env(database_url, tmp_path)
    code, out, err = run_minyi("sweep", "--job", "deadlines", "--at",
                               (case.submitted_at + timedelta(hours=24)).isoformat(), env=env)
    assert code == 0, err
    summary = json.loads(out)
    assert summary["at"] == (case.submitted_at + timedelta(hours=24)).isoformat()
    result = summary["jobs"]["deadlines"]
    assert result["ok"] is True
    assert {key: result["result"][key] for key in ("checked", "auto_forwarded", "reminders_sent")} == {
        "checked": 1, "auto_forwarded": 1, "reminders_sent": 1}
    assert [(kind, who) for kind, who, _, _ in told(runtime, "case_reminder")] == [("case_reminder", "胡敏")]
    forwarded = world.reload(case)
    assert (forwarded.state, forwarded.holder) == (CaseState.submitted, Holder.street_office)

    # A time without a zone is read in Asia/Shanghai: 08:00 there is midnight UTC.
    code, out, err = run_minyi("sweep", "--job", "deadlines", "--at", "2026-12-01T08:00:00", env=env)
    assert code == 0, err
    assert json.loads(out)["at"] == "2026-12-01T00:00:00+00:00"


def test_sweep_at_a_future_instant_leaves_the_public_ranking_alone(world, runtime, database_url, tmp_path):
    future = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    code, out, err = run_minyi("sweep", "--at", future, env=minyi_env(database_url, tmp_path))
    assert code == 0, err
    assert "figures" not in json.loads(out)["jobs"] and "deadlines" in json.loads(out)["jobs"]
    assert "privacy_retention" not in json.loads(out)["jobs"]  # nothing within its retention is erased early
    assert "figures job is left out" in err


def test_sweep_refuses_a_bad_time_or_job_and_changes_nothing(world, runtime, database_url, tmp_path):
    case = world.create_case()
    env = minyi_env(database_url, tmp_path)
    code, out, err = run_minyi("sweep", "--at", "next tuesday", env=env)
    assert code == 2 and "ISO-8601" in err and out == ""
    code, out, err = run_minyi("sweep", "--job", "nonsense", env=env)
    assert code == 2 and "deadlines" in err
    assert world.reload(case).next_check_at == case.submitted_at and claims(runtime) == {}


def test_scheduler_process_runs_the_sweep_and_stops_cleanly_on_sigterm(world, runtime, clock, database_url,
                                                                        tmp_path):
    clock.set(datetime.now(UTC) - timedelta(hours=25))  # a case a day old by the real clock
    case = world.create_case()
    process = start_minyi("scheduler", "--every", "deadlines=1", env=minyi_env(database_url, tmp_path))
    try:
        deadline = time.monotonic() + 60
        while not claims(runtime) and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.2)
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    assert claims(runtime) == {(case.id, 24): 1}, err
    assert process.returncode == 0, err
    assert "deadlines" in err  # it announced its jobs


def test_scheduler_rejects_an_unknown_job_interval(database_url, tmp_path):
    code, _, err = run_minyi("scheduler", "--every", "nonsense=5", env=minyi_env(database_url, tmp_path))
    assert code == 2 and "nonsense" in err


def test_sweep_runs_the_dispatcher_too_and_the_reminder_reaches_wechat(live_server, world, database_url, tmp_path):
    runtime = live_server.runtime
    with runtime.uow().transaction() as session:
        session.add(WechatIdentity(app="mp", openid="oHu", person_id=world.person("胡敏").id, subscribed=True,
                                   created_at=runtime.clock.now()))
    case = world.create_case()
    at = case.submitted_at + timedelta(hours=24)
    runtime.clock.set(at)  # the sandbox stamps its calls with the server's clock
    env = minyi_env(database_url, tmp_path, MINYI_PUBLIC_URL=live_server.url,
                    WECHAT_API_BASE=f"{live_server.url}/sandbox/api")
    code, out, err = run_minyi("sweep", "--at", at.isoformat(), env=env)
    assert code == 0, err
    jobs = json.loads(out)["jobs"]
    # The journal replays first; the sweep writes the outbox, the dispatcher sends it.
    assert list(jobs) == ["journal", "deadlines", "linkage", "dispatch", "media", "halls", "figures", "privacy_retention", "receptions"]
    assert jobs["deadlines"]["result"]["reminders_sent"] == 1
    assert jobs["dispatch"]["result"]["sent"] == 2  # auto-forward notice and the 24 h reminder to 胡敏
    response = requests.get(f"{live_server.url}/sandbox/api/calls",
                            params={"path": "cgi-bin/message/template/send"}, timeout=5)
    titles = [call["body"]["data"]["title"]["value"] for call in response.json()["calls"]
              if call["body"]["touser"] == "oHu"]
    assert sorted(titles) == sorted(["反映已转交街道", "催办提醒"])  # sent in parallel: either may arrive first


def test_serve_runs_the_scheduler_in_the_same_process(world, runtime, clock, database_url, tmp_path):
    clock.set(datetime.now(UTC) - timedelta(hours=25))
    case = world.create_case()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = start_minyi("serve", "--port", str(port), env=minyi_env(database_url, tmp_path))
    try:
        deadline = time.monotonic() + 60
        while not claims(runtime) and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.2)
        assert requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    assert claims(runtime) == {(case.id, 24): 1}, err
