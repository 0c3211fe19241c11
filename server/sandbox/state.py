"""The sandbox's memory: what the local WeChat platform knows, per app instance, thread-safe.

The API side (server/sandbox/api.py) and the user side (the simulated residents and deputies) share
one SandboxState, kept on `app.extensions["minyi_sandbox"]`; use `sandbox_state(app)` to reach it.
Openids the sandbox has never heard of count as followers with no open chat window known, so a push
to them succeeds; `unfollow(openid)` makes pushes answer 43004 and `note_message` opens the 48-hour
customer-service window (outside it, customer-service messages answer 45015).
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from PIL import Image, ImageDraw

TOKEN_LIFETIME = timedelta(seconds=7200)
TOKEN_GRACE = timedelta(minutes=5)  # cgi-bin/token: the previous token keeps working this long
SERVICE_WINDOW = timedelta(hours=48)
EXTENSION_KEY = "minyi_sandbox"


@dataclass
class Token:
    value: str
    appid: str
    kind: str  # "token" (cgi-bin/token) or "stable" (cgi-bin/stable_token); WeChat keeps them apart
    expires_at: datetime
    invalid_after: datetime | None = None


@dataclass
class Fault:
    path: str
    mode: str  # http500 | timeout | errcode
    errcode: int | None
    times: int | None  # None: until cleared
    delay: float | None

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "mode": self.mode, "errcode": self.errcode, "times": self.times,
                "delay": self.delay}


@dataclass
class User:
    following: bool = True
    last_message_at: datetime | None = None
    refuses_subscription: bool = False


@dataclass
class SandboxState:
    timeout_seconds: float
    lock: threading.RLock = field(default_factory=threading.RLock)
    tokens: dict[str, Token] = field(default_factory=dict)
    calls: list[dict[str, Any]] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    users: dict[str, User] = field(default_factory=dict)
    media: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    delivered: list[dict[str, Any]] = field(default_factory=list)

    # --- users (shared with the user side) -------------------------------------------------------
    def follow(self, openid: str) -> None:
        with self.lock:
            self.users.setdefault(openid, User()).following = True

    def unfollow(self, openid: str) -> None:
        with self.lock:
            self.users.setdefault(openid, User()).following = False

    def is_following(self, openid: str) -> bool:
        with self.lock:
            return self.users.get(openid, User()).following

    def note_message(self, openid: str, at: datetime) -> None:
        """The user wrote to the official account: the 48-hour customer-service window opens."""
        with self.lock:
            self.users.setdefault(openid, User()).last_message_at = at

    def window_open(self, openid: str, now: datetime) -> bool:
        with self.lock:
            last = self.users.get(openid, User()).last_message_at
            return last is None or now - last <= SERVICE_WINDOW

    def refuse_subscription(self, openid: str, refused: bool = True) -> None:
        with self.lock:
            self.users.setdefault(openid, User()).refuses_subscription = refused

    def refuses_subscription(self, openid: str) -> bool:
        with self.lock:
            return self.users.get(openid, User()).refuses_subscription

    def messages_for(self, openid: str) -> list[dict[str, Any]]:
        """Pushes WeChat accepted for this openid, oldest first (what the user's phone would show)."""
        with self.lock:
            return [dict(item) for item in self.delivered if item["openid"] == openid]

    def deliver(self, openid: str, kind: str, body: dict[str, Any], at: datetime) -> None:
        with self.lock:
            self.delivered.append({"openid": openid, "kind": kind, "body": body, "at": at.isoformat()})

    # --- media -----------------------------------------------------------------------------------
    def add_media(self, data: bytes | None = None, content_type: str = "image/jpeg",
                  media_id: str | None = None) -> str:
        """Register a media file (a small JPEG when no bytes are given); returns its media id."""
        media_id = media_id or f"sbx-media-{secrets.token_urlsafe(12)}"
        with self.lock:
            self.media[media_id] = (data if data is not None else sample_jpeg(media_id), content_type)
        return media_id

    def get_media(self, media_id: str) -> tuple[bytes, str] | None:
        with self.lock:
            return self.media.get(media_id)

    # --- recording and faults ----------------------------------------------------------------------
    def record(self, call: dict[str, Any]) -> None:
        with self.lock:
            call["id"] = len(self.calls) + 1
            self.calls.append(call)

    def complete(self, call: dict[str, Any], **fields: Any) -> None:
        with self.lock:
            call.update(fields)

    def list_calls(self, path: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(c) for c in self.calls if path is None or c["path"] == path.strip("/")]

    def clear_calls(self) -> None:
        with self.lock:
            self.calls.clear()
            self.delivered.clear()

    def add_fault(self, fault: Fault) -> None:
        with self.lock:
            self.faults.append(fault)

    def clear_faults(self) -> None:
        with self.lock:
            self.faults.clear()

    def take_fault(self, path: str) -> Fault | None:
        """The first active fault for `path`, counting one use of it."""
        with self.lock:
            for fault in self.faults:
                if fault.path == path:
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times <= 0:
                            self.faults.remove(fault)
                    return fault
            return None


def sandbox_state(app: Any) -> SandboxState:
    """The sandbox state of this Flask app (created when the sandbox was registered)."""
    return app.extensions[EXTENSION_KEY]


def sample_jpeg(label: str, size: tuple[int, int] = (96, 64)) -> bytes:
    """A real, small JPEG whose colour depends on `label`, so different media differ."""
    digest = int.from_bytes(hashlib.sha256(label.encode()).digest()[:4], "big")
    colour = (digest % 200 + 30, (digest >> 8) % 200 + 30, (digest >> 16) % 200 + 30)
    image = Image.new("RGB", size, colour)
    ImageDraw.Draw(image).rectangle((8, 8, size[0] - 8, size[1] - 8), outline=(255, 255, 255), width=3)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def encode_ticket(scene: str, action: str, expire_at: datetime | None) -> str:
    """A QR ticket that carries its scene, so the user side can 'scan' it without asking us."""
    raw = json.dumps({"s": scene, "a": action, "e": expire_at.isoformat() if expire_at else None,
                      "n": secrets.token_hex(4)}, ensure_ascii=False)
    return "sbx" + base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def scene_from_ticket(ticket: str) -> str | None:
    """The scene_str a sandbox ticket was made for, or None when it is not one of ours."""
    if not ticket.startswith("sbx"):
        return None
    body = ticket[3:]
    try:
        data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        return str(data["s"])
    except (binascii.Error, ValueError, KeyError, TypeError):
        return None
