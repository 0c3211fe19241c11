from __future__ import annotations

import pytest
import requests

from server import create_app
from server.core.settings import load_settings


@pytest.mark.both_databases("the health check asks each database itself")
def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "db": "ok"}


def test_healthz_is_503_with_a_reason_when_the_database_is_unreachable(tmp_path):
    settings = load_settings({"DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2",
                              "MINYI_INSTANCE_DIR": str(tmp_path)})
    response = create_app(settings).test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "error" and body["db"] == "unreachable" and body["reason"]


def test_unknown_paths_get_the_json_error_shape(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_live_server_answers_over_http(live_server):
    assert requests.get(f"{live_server.url}/healthz", timeout=5).json()["status"] == "ok"
