"""API test helpers: a client that signs in as a demo person and calls /api/v1 with a bearer token."""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
from PIL import Image

from server.people import sessions as api_sessions
from server.people.models import Person

PREFIX = "/api/v1"


@dataclass
class ApiCaller:
    """One signed-in person talking to the app (test client or live server)."""

    client: Any
    person: Person | None = None
    token: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    base_url: str | None = None  # set: a real HTTP server (requests); unset: Flask's test client

    def _call(self, method: str, path: str, **kwargs):
        headers = dict(kwargs.pop("headers", {}) or {})
        if self.token:
            headers.setdefault("Authorization", f"Bearer {self.token}")
        if self.base_url is None:
            return self.client.open(PREFIX + path, method=method, headers=headers, **kwargs)
        response = self.client.request(method, self.base_url + PREFIX + path, headers=headers, timeout=15, **kwargs)
        response.get_json = response.json  # one interface for both kinds of response in the tests
        return response

    def get(self, path: str, **kwargs):
        return self._call("GET", path, **kwargs)

    def post(self, path: str, json: Any = None, **kwargs):
        if json is not None:
            kwargs["json"] = json
        return self._call("POST", path, **kwargs)


@pytest.fixture
def sign_in(client, runtime):
    """sign_in(person) -> ApiCaller with a fresh session, the way any login ends."""
    def make(person: Person) -> ApiCaller:
        tokens = api_sessions.start_session(runtime.uow(), person_id=person.id, method="password")
        return ApiCaller(client, person, tokens.access_token)

    return make


@pytest.fixture
def anonymous(client) -> ApiCaller:
    return ApiCaller(client)


@pytest.fixture
def live(live_server):
    """The demo world on the live server, and live_sign_in(person) -> ApiCaller over real HTTP."""
    from tests.factories import World

    world = World.load(live_server.runtime)
    session = requests.Session()

    def sign_in(person: Person) -> ApiCaller:
        tokens = api_sessions.start_session(live_server.runtime.uow(), person_id=person.id, method="password")
        return ApiCaller(session, person, tokens.access_token, base_url=live_server.url)

    yield LiveWorld(world, live_server, sign_in)
    session.close()


@dataclass
class LiveWorld:
    world: Any
    server: Any
    sign_in: Any

    @property
    def runtime(self):
        return self.server.runtime


def jpeg_bytes(color=(40, 160, 60), size=(64, 48), exif_gps: bool = False) -> bytes:
    image = Image.new("RGB", size, color)
    buffer = io.BytesIO()
    if exif_gps:
        exif = Image.Exif()
        exif[0x8825] = {1: "N", 2: (30.0, 15.0, 0.0)}  # GPSInfo
        exif[0x010F] = "MinyiTestCam"
        image.save(buffer, format="JPEG", exif=exif)
    else:
        image.save(buffer, format="JPEG")
    return buffer.getvalue()


def upload(caller: ApiCaller, data: bytes | None = None, name: str = "photo.jpg"):
    data = data or jpeg_bytes()
    if caller.base_url is not None:
        return caller.post("/uploads", files={"file": (name, io.BytesIO(data), "application/octet-stream")})
    return caller.post("/uploads", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")
