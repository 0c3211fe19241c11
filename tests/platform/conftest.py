"""Fixtures for the WeChat gateway and sandbox: everything over HTTP against the live server."""
from __future__ import annotations

import uuid

import pytest
import requests

import server.tables  # noqa: F401  (the shared engine fixture creates tables from the imported models)
from server.core.runtime import build_runtime
from server.core.settings import load_settings
from server.wechat import build_gateway
from tests.conftest import REDIS_URL  # noqa: F401  (imported from here by the platform tests)

FAST_TIMEOUT = 0.5  # seconds; the sandbox's timeout faults sleep a little longer than this


class Sandbox:
    """A thin HTTP client for the sandbox's control endpoints."""

    def __init__(self, base: str) -> None:
        self.base = base

    def calls(self, path: str | None = None) -> list[dict]:
        response = requests.get(f"{self.base}/calls", params={"path": path} if path else None, timeout=5)
        response.raise_for_status()
        return response.json()["calls"]

    def fault(self, path: str, mode: str, **extra) -> None:
        response = requests.post(f"{self.base}/faults", json={"path": path, "mode": mode, **extra}, timeout=5)
        assert response.status_code == 201, response.text

    def user(self, openid: str, **fields) -> None:
        requests.post(f"{self.base}/users", json={"openid": openid, **fields}, timeout=5).raise_for_status()

    def media(self, data: bytes = b"") -> str:
        response = requests.post(f"{self.base}/media", data=data, timeout=5)
        response.raise_for_status()
        return response.json()["media_id"]

    def revoke_tokens(self) -> None:
        requests.post(f"{self.base}/tokens/revoke", timeout=5).raise_for_status()


@pytest.fixture
def sandbox(live_server) -> Sandbox:
    return Sandbox(f"{live_server.url}/sandbox/api")


@pytest.fixture
def gateway(live_server):
    """A gateway with in-process token storage and a short timeout."""
    return build_gateway(live_server.runtime.settings, timeout=FAST_TIMEOUT)



@pytest.fixture
def make_runtime(live_server, redis_prefix, engine, clock):
    """Build Runtime objects ("processes") that share Redis and talk to the live server's sandbox."""
    built = []

    def make():
        settings = load_settings({"DATABASE_URL": live_server.runtime.settings.database_url,
                                  "MINYI_ENV": "testing", "MINYI_PUBLIC_URL": live_server.url,
                                  "WECHAT_API_BASE": f"{live_server.url}/sandbox/api",
                                  "REDIS_URL": REDIS_URL, "MINYI_REDIS_PREFIX": redis_prefix,
                                  "WECHAT_TIMEOUT_SECONDS": FAST_TIMEOUT,
                                  "MINYI_INSTANCE_DIR": str(live_server.runtime.settings.instance_dir)})
        runtime = build_runtime(settings, clock=clock, engine=engine)
        built.append(runtime)
        return runtime

    yield make
    for runtime in built:
        if runtime.redis is not None:
            runtime.redis.close()


@pytest.fixture
def standalone_sandbox(tmp_path):
    """The app with its sandbox on a real port but no test database: for tests that need only WeChat,
    so they run once rather than once per database backend."""
    import threading

    from werkzeug.serving import make_server

    from server import create_app

    server = make_server("127.0.0.1", 0, app=None, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    settings = load_settings({"DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}", "MINYI_ENV": "testing",
                              "MINYI_INSTANCE_DIR": str(tmp_path / "instance"), "MINYI_PUBLIC_URL": url,
                              "WECHAT_API_BASE": f"{url}/sandbox/api"})
    runtime = build_runtime(settings)
    server.app = create_app(settings, runtime=runtime)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield url
    server.shutdown()
    thread.join(timeout=5)
    runtime.dispose()


@pytest.fixture
def push_world(live_server, world):
    """The demo world plus helpers to bind WeChat identities and read the outbox."""
    return PushWorld(live_server.runtime, world)


class PushWorld:
    def __init__(self, runtime, world) -> None:
        self.runtime, self.world = runtime, world

    def uow(self):
        return self.runtime.uow()

    def bind(self, name: str, openid: str, *, app: str = "mp", last_message_at=None, subscribed: bool = True):
        from server.people.models import WechatIdentity

        person = self.world.person(name)
        with self.uow().transaction() as session:
            session.add(WechatIdentity(app=app, openid=openid, person_id=person.id, subscribed=subscribed,
                                       last_message_at=last_message_at, created_at=self.runtime.clock.now()))
        return person

    def enqueue(self, kind: str, name: str | None, payload: dict | None = None, **extra) -> int:
        from sqlalchemy import select

        from server.pushes.models import OutboxMessage
        from server.pushes.notifications import enqueue

        recipient_id = self.world.person(name).id if name else None
        key = f"test:{uuid.uuid4().hex}"
        with self.uow().transaction() as session:
            enqueue(session, kind=kind, recipient_id=recipient_id, now=self.runtime.clock.now(),
                    payload=payload or {"tracking_number": "MY-20261128-0001"}, dedupe_key=key, **extra)
            return session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key))

    def row(self, outbox_id: int):
        from server.pushes.models import OutboxMessage

        with self.uow().transaction() as session:
            return session.get(OutboxMessage, outbox_id)

    def row_by_key(self, dedupe_key: str):
        from sqlalchemy import select

        from server.pushes.models import OutboxMessage

        with self.uow().transaction() as session:
            return session.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key))
