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
