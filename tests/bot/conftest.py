"""Bot tests talk to the bot the way WeChat does: through the sandbox's user side, over HTTP."""
from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from sqlalchemy import func, select

from server import create_app
from server.cases.models import Case
from server.chat.models import InboundMessage
from server.core.runtime import build_runtime
from server.core.settings import load_settings
from server.pushes.models import OutboxMessage

AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
PREVIOUS_AES_KEY = "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut"


class Phone:
    """One WeChat user on the sandbox: what they send and what the bot answers."""

    def __init__(self, server, openid: str | None = None, mode: str = "plain") -> None:
        self.server, self.mode = server, mode
        self.openid = openid or f"o-{uuid.uuid4().hex[:20]}"

    def send(self, **message: Any) -> dict[str, Any]:
        body = {"openid": self.openid, "mode": self.mode, **message}
        response = requests.post(f"{self.server.url}/sandbox/user/send", json=body, timeout=30)
        assert response.status_code == 200, response.text
        return response.json()

    def say(self, text: str) -> str:
        return self.send(type="text", content=text)["reply"]

    def photo(self, **extra: Any) -> str:
        return self.send(type="image", **extra)["reply"]

    def location(self, latitude=30.2489, longitude=120.1692, label="杭州市上城区祖庙巷51号") -> str:
        return self.send(type="location", latitude=latitude, longitude=longitude, label=label)["reply"]

    def scan(self, scene: str, *, subscribe: bool = False) -> str:
        return self.send(type="event", event="subscribe" if subscribe else "SCAN", scene=scene)["reply"]

    def click(self, key: str) -> str:
        return self.send(type="event", event="CLICK", key=key)["reply"]

    def live_on(self, street_id: int) -> None:
        assert "已为您设置所在街道" in self.scan(f"street:{street_id}")


class Server:
    def __init__(self, url: str, app, runtime) -> None:
        self.url, self.app, self.runtime = url, app, runtime

    def raw(self, **body: Any) -> dict[str, Any]:
        response = requests.post(f"{self.url}/sandbox/user/raw", json=body, timeout=30)
        assert response.status_code == 200, response.text
        return response.json()

    def count(self, model, *where) -> int:
        with self.runtime.uow().transaction() as session:
            return session.scalar(select(func.count()).select_from(model).where(*where))

    def rows(self, model, *where) -> list:
        with self.runtime.uow().transaction() as session:
            return list(session.scalars(select(model).where(*where).order_by(model.id)))

    def cases(self) -> list[Case]:
        return self.rows(Case)

    def stored(self) -> int:
        return self.count(InboundMessage)

    def outbox(self, kind: str) -> list[OutboxMessage]:
        return self.rows(OutboxMessage, OutboxMessage.kind == kind)


@pytest.fixture
def serve(database_url, engine, clock, tmp_path) -> Iterator:
    """Start the whole app on a real port with extra settings; stop them all at the end."""
    from werkzeug.serving import make_server

    started = []

    def start(**overrides: str) -> Server:
        http = make_server("127.0.0.1", 0, app=None, threaded=True)
        url = f"http://127.0.0.1:{http.server_port}"
        settings = load_settings({"DATABASE_URL": database_url, "MINYI_ENV": "testing",
                                  "MINYI_INSTANCE_DIR": str(tmp_path / "instance"), "MINYI_PUBLIC_URL": url,
                                  "WECHAT_API_BASE": f"{url}/sandbox/api",
                                  # a loaded test machine must not send ordinary messages to the journal
                                  "MINYI_BOT_DB_BUDGET_SECONDS": "4", **overrides})
        runtime = build_runtime(settings, clock=clock, engine=engine)
        http.app = create_app(settings, runtime=runtime)
        thread = threading.Thread(target=http.serve_forever, daemon=True)
        thread.start()
        started.append((http, thread))
        return Server(url, http.app, runtime)

    yield start
    for http, thread in started:
        http.shutdown()
        thread.join(timeout=5)


@pytest.fixture
def bot(serve) -> Server:
    """The whole app on a real port (add the `world` fixture for streets, deputies, categories)."""
    return serve()


@pytest.fixture
def resident(bot, world) -> Phone:
    """A resident of 湖滨街道 on WeChat."""
    phone = Phone(bot)
    phone.live_on(world.street("hubin").id)
    return phone
