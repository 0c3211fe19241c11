"""`minyi outbox dispatch | failed | retry` against the test database and the live sandbox."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from server.cli import main

pytestmark = pytest.mark.both_databases("the outbox dispatcher as a command against each database")


def test_operators_dispatch_list_and_retry(push_world, live_server, sandbox, database_url, tmp_path):
    env = {"DATABASE_URL": database_url, "WECHAT_API_BASE": f"{live_server.url}/sandbox/api",
           "MINYI_INSTANCE_DIR": str(tmp_path / "cli"), "MINYI_ENV": "testing", "REDIS_URL": ""}
    runner = CliRunner()
    push_world.bind("严民强", "oYan")
    sandbox.user("oYan", following=False)
    row = push_world.enqueue("case_overdue", "严民强", {"tracking_number": "MY-5"})

    result = runner.invoke(main, ["outbox", "dispatch"], env=env)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["dead"] == 1

    listed = [json.loads(line) for line in runner.invoke(main, ["outbox", "failed"], env=env).output.splitlines()]
    assert [(item["id"], item["status"]) for item in listed] == [(row, "dead")]
    assert "43004" in listed[0]["last_error"]

    sandbox.user("oYan", following=True)
    assert runner.invoke(main, ["outbox", "retry", str(row)], env=env).exit_code == 0
    assert json.loads(runner.invoke(main, ["outbox", "dispatch"], env=env).output)["sent"] == 1
    refused = runner.invoke(main, ["outbox", "retry", str(row)], env=env)
    assert refused.exit_code == 1 and "只能重试" in refused.output
