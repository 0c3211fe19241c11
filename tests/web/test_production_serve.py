"""The README's production command: gunicorn on the app factory with several workers."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from server.core import migrations as migrate


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_gunicorn_serves_healthz_with_two_workers(database_url, engine, tmp_path):
    if database_url.startswith("sqlite"):
        database_url = f"sqlite:///{tmp_path / 'prod.sqlite3'}"
        migrate.upgrade(database_url)
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "MINYI_ENV": "production",
           "MINYI_SECRET_KEY": "a-long-production-secret-for-tests", "MINYI_INSTANCE_DIR": str(tmp_path),
           "WECHAT_APP_ID": "wx-production-test", "WECHAT_APP_SECRET": "secret", "WECHAT_TOKEN": "token-for-tests"}
    gunicorn = Path(sys.executable).parent / "gunicorn"
    log = (tmp_path / "gunicorn.log").open("wb")
    process = subprocess.Popen([str(gunicorn), "--workers", "2", "--bind", f"127.0.0.1:{port}",
                                "server:create_app()"], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                response = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=10)
                break
            except (requests.ConnectionError, requests.Timeout):
                assert time.monotonic() < deadline, "gunicorn did not come up"
                time.sleep(0.2)
        assert response.json() == {"status": "ok", "db": "ok"}
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def test_minyi_serve_logs_one_line_per_request_and_links_follow_its_port(tmp_path):
    """`minyi serve` on another port: the sandbox's WeChat API base follows it; each request is logged."""
    import os
    import sys

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {key: value for key, value in os.environ.items() if not key.startswith(("MINYI_", "WECHAT_"))}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'serve.sqlite3'}", MINYI_INSTANCE_DIR=str(tmp_path))
    subprocess.run([sys.executable, "-m", "server.cli", "db", "upgrade"], env=env, check=True, capture_output=True)
    process = subprocess.Popen([sys.executable, "-m", "server.cli", "serve", "--port", str(port),
                                "--no-scheduler"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60  # a loaded machine takes a while to import and start
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{url}/healthz", timeout=5).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.1)
        requests.get(f"{url}/dashboard", timeout=30)
        time.sleep(0.5)  # the line is written once the response has gone out
    finally:
        process.terminate()
        output = process.communicate(timeout=20)[0]
    assert "minyi.access: GET /healthz 200" in output and "minyi.access: GET /dashboard 200" in output
    assert f"Minyi serving on http://127.0.0.1:{port}" in output


def test_served_settings_follow_the_port_unless_the_public_url_is_set():
    from server.cli.common import served_settings
    from server.core.settings import load_settings

    settings = load_settings({"MINYI_ENV": "testing"})
    assert served_settings(settings, "0.0.0.0", 5077, {}).public_url == "http://127.0.0.1:5077"
    assert served_settings(settings, "127.0.0.1", 5077, {}).effective_wechat_api_base == \
        "http://127.0.0.1:5077/sandbox/api"
    assert served_settings(settings, "0.0.0.0", 5077, {"MINYI_PUBLIC_URL": "https://x"}) is settings
