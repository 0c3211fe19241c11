"""Operations: one request id per request (header, access line, every line logged while serving it) and
/metrics for the operator only, with figures read from the database and the journal."""
from __future__ import annotations

import io
import json
import logging
import re
from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from server import create_app
from server.core.runtime import build_runtime
from server.core.settings import load_settings
from server.jobs import PeriodicJob, run_job, sweep_deadlines_job
from server.web.access_log import log_handler
from tests.bot.test_fuzz_webhook import Webhook, _xml
from tests.jobs.helpers import insert_cases


@pytest.fixture
def json_log():
    """Every record of the process as the JSON lines `MINYI_LOG_FORMAT=json` writes."""
    stream = io.StringIO()
    handler = log_handler("json", stream)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)
    root.setLevel(old_level)


def scrape(client, **kwargs) -> dict[str, list]:
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    return {family.name: family.samples for family in text_string_to_metric_families(response.get_data(as_text=True))}


def value(families, name: str, **labels) -> float:
    return next(sample.value for family in families.values() for sample in family
                if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()))


def test_every_request_gets_an_id_in_its_header_and_its_access_line(client, json_log):
    # (The access line is written once the body has gone out: reading it here, as a server would.)
    first, second = client.get("/healthz", buffered=True), client.get("/healthz", buffered=True)
    ids = [first.headers["X-Request-Id"], second.headers["X-Request-Id"]]
    assert all(re.fullmatch(r"[0-9a-f]{32}", rid) for rid in ids) and ids[0] != ids[1]
    from_nginx = client.get("/healthz", headers={"X-Request-Id": "3f2a9c1e-nginx-0001"}, buffered=True)
    assert from_nginx.headers["X-Request-Id"] == "3f2a9c1e-nginx-0001"  # nginx's $request_id is kept
    forged = client.get("/healthz", headers={"X-Request-Id": "<script>"}, buffered=True)
    assert re.fullmatch(r"[0-9a-f]{32}", forged.headers["X-Request-Id"])  # anything else is replaced
    access = [line for line in json_log() if line["logger"] == "minyi.access"]
    assert [line["request_id"] for line in access] == [*ids, "3f2a9c1e-nginx-0001",
                                                        forged.headers["X-Request-Id"]]
    assert access[0]["message"].startswith("GET /healthz 200") and access[0]["status"] == 200
    assert access[0]["path"] == "/healthz" and isinstance(access[0]["ms"], float)


def test_every_line_logged_while_serving_a_request_carries_its_id(tmp_path, clock, json_log, world):
    # A database that refuses connections: the webhook journals the message and says so in the log.
    settings = load_settings({"DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:9/none",
                              "MINYI_ENV": "testing", "MINYI_INSTANCE_DIR": str(tmp_path)})
    runtime = build_runtime(settings, clock=clock)
    webhook = Webhook(create_app(settings, runtime=runtime).test_client(), runtime)
    body = _xml({"ToUserName": "gh", "FromUserName": "o-logs", "CreateTime": str(int(clock.now().timestamp())),
                 "MsgType": "text", "Content": "路灯坏了", "MsgId": "880001"}, "cdata").encode()
    response = webhook.post(body)
    assert response.status_code == 200 and "系统稍忙" in response.get_data(as_text=True)
    rid = response.headers["X-Request-Id"]
    lines = [line for line in json_log() if line["request_id"] == rid]
    assert {line["logger"] for line in lines} >= {"bot.journal", "minyi.access"}
    assert all(line["request_id"] == rid for line in json_log() if line["logger"] == "bot.journal")
    runtime.dispose()


def test_metrics_show_the_operating_figures(runtime, world, clock, client):
    now = clock.now()
    insert_cases(runtime, count=3, street_id=world.street("hubin").id, reporter_id=world.person("严民强").id,
                 first=now - timedelta(hours=80), spacing=timedelta(minutes=1))
    run_job(runtime, PeriodicJob("deadlines", sweep_deadlines_job, 60))
    run_job(runtime, PeriodicJob("broken", lambda rt: 1 / 0, 60))
    client.post("/wechat")  # unsigned: refused, and still timed
    families = scrape(client)
    assert value(families, "minyi_overdue_cases") == 3
    assert value(families, "minyi_outbox_depth") > 0  # the overdue notices wait for the dispatcher
    assert value(families, "minyi_outbox_oldest_age_seconds") >= 0
    assert value(families, "minyi_journal_depth") == 0 and value(families, "minyi_database_up") == 1
    assert value(families, "minyi_scheduler_lag_seconds", job="deadlines") < 30
    assert value(families, "minyi_job_last_run_ok", job="deadlines") == 1
    assert value(families, "minyi_job_last_run_ok", job="broken") == 0
    assert value(families, "minyi_webhook_seconds_count", status="403") >= 1


def test_metrics_are_for_this_host_or_the_token_holder(runtime, tmp_path):
    client = create_app(runtime.settings, runtime=runtime).test_client()
    proxied = client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})  # through nginx
    assert proxied.status_code == 403 and proxied.get_json()["error"]["code"] == "forbidden"
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 403
    with_token = runtime.settings.model_copy(update={"metrics_token": "s3cret-metrics-token"})
    guarded = create_app(with_token, runtime=build_runtime(with_token, engine=runtime.engine)).test_client()
    remote = {"REMOTE_ADDR": "10.1.2.3"}
    assert guarded.get("/metrics", environ_base=remote).status_code == 403
    assert guarded.get("/metrics", environ_base=remote,
                       headers={"Authorization": "Bearer wrong"}).status_code == 403
    assert guarded.get("/metrics", environ_base=remote,
                       headers={"Authorization": "Bearer s3cret-metrics-token"}).status_code == 200
