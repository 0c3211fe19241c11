"""The sandbox's memory: what the local WeChat platform knows, shared by every web process.

The API side (server/sandbox/api.py) and the user side (the simulated residents and deputies) share
one SandboxState, kept on `app.extensions["minyi_sandbox"]`; use `sandbox_state(app)` to reach it.
Its rules live here; what it knows lives in a SandboxStore (store.py): process memory, or Redis when
REDIS_URL is set so that gunicorn's workers see the same pushes, tokens, media and faults.
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
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from PIL import Image, ImageDraw

from server.sandbox.store import Fault, MemorySandboxStore, SandboxStore, Token

TOKEN_LIFETIME = timedelta(seconds=7200)
TOKEN_GRACE = timedelta(minutes=5)  # cgi-bin/token: the previous token keeps working this long
TOKEN_FORGOTTEN = TOKEN_LIFETIME  # a dead token still answers 40001/42001 this long, then is dropped
SERVICE_WINDOW = timedelta(hours=48)
EXTENSION_KEY = "minyi_sandbox"


class SandboxState:
    def __init__(self, timeout_seconds: float, store: SandboxStore | None = None) -> None:
        self.timeout_seconds = timeout_seconds
        self.store: SandboxStore = store if store is not None else MemorySandboxStore()

    # --- users (shared with the user side) -------------------------------------------------------
    def follow(self, openid: str) -> None:
        self.store.update_user(openid, following=True)

    def unfollow(self, openid: str) -> None:
        self.store.update_user(openid, following=False)

    def is_following(self, openid: str) -> bool:
        return self.store.user(openid).following

    def note_message(self, openid: str, at: datetime) -> None:
        """The user wrote to the official account: the 48-hour customer-service window opens."""
        self.store.update_user(openid, last_message_at=at)

    def window_open(self, openid: str, now: datetime) -> bool:
        last = self.store.user(openid).last_message_at
        return last is None or now - last <= SERVICE_WINDOW

    def refuse_subscription(self, openid: str, refused: bool = True) -> None:
        self.store.update_user(openid, refuses_subscription=refused)

    def refuses_subscription(self, openid: str) -> bool:
        return self.store.user(openid).refuses_subscription

    def messages_for(self, openid: str) -> list[dict[str, Any]]:
        """Pushes WeChat accepted for this openid, oldest first (what the user's phone would show)."""
        return self.store.pushes(openid)

    def deliver(self, openid: str, kind: str, body: dict[str, Any], at: datetime) -> None:
        self.store.add_push(openid, {"openid": openid, "kind": kind, "body": body, "at": at.isoformat()})

    # --- media -----------------------------------------------------------------------------------
    def add_media(self, data: bytes | None = None, content_type: str = "image/jpeg",
                  media_id: str | None = None) -> str:
        """Register a media file (a small JPEG when no bytes are given); returns its media id."""
        media_id = media_id or f"sbx-media-{secrets.token_urlsafe(12)}"
        self.store.put_media(media_id, data if data is not None else sample_jpeg(media_id), content_type)
        return media_id

    def get_media(self, media_id: str) -> tuple[bytes, str] | None:
        return self.store.media(media_id)

    # --- recording and faults ----------------------------------------------------------------------
    def record(self, call: dict[str, Any]) -> None:
        """Log a call at its arrival; `call` gets its id, and `complete` adds its outcome later."""
        call["id"] = self.store.add_call(call)

    def complete(self, call: dict[str, Any], **fields: Any) -> None:
        call.update(fields)
        self.store.save_call(call)

    def list_calls(self, path: str | None = None) -> list[dict[str, Any]]:
        return [c for c in self.store.calls() if path is None or c["path"] == path.strip("/")]

    def clear_calls(self) -> None:
        self.store.clear_calls()
        self.store.clear_pushes()

    def add_fault(self, fault: Fault) -> None:
        self.store.add_fault(fault)

    def list_faults(self) -> list[Fault]:
        return self.store.faults()

    def clear_faults(self) -> None:
        self.store.clear_faults()

    def take_fault(self, path: str) -> Fault | None:
        """The first active fault for `path`, counting one use of it."""
        return self.store.take_fault(path)

    # --- access tokens ---------------------------------------------------------------------------
    def token(self, value: str) -> Token | None:
        return self.store.token(value)

    def issue_token(self, appid: str, now: datetime) -> Token:
        """cgi-bin/token: a new token every call; the previous ones keep working for TOKEN_GRACE."""
        with self.store.tokens_lock():
            live = self._tidy_tokens(now)
            retired = [replace(old, invalid_after=now + TOKEN_GRACE) for old in live
                       if old.appid == appid and old.kind == "token" and old.invalid_after is None]
            new = _new_token(appid, "token", now)
            self.store.put_tokens([*retired, new])
        return new

    def stable_token(self, appid: str, now: datetime, *, force_refresh: bool = False) -> Token:
        """cgi-bin/stable_token: the same token while it is valid (apart from cgi-bin/token's tokens)."""
        with self.store.tokens_lock():
            current = [t for t in self._tidy_tokens(now) if t.appid == appid and t.kind == "stable"
                       and (t.invalid_after is None or now < t.invalid_after) and now < t.expires_at]
            if force_refresh:
                self.store.put_tokens([replace(old, invalid_after=now) for old in current])
                current = []
            if current:
                return current[-1]
            new = _new_token(appid, "stable", now)
            self.store.put_tokens([new])
        return new

    def revoke_tokens(self, now: datetime) -> None:
        """As if someone reset the app secret: every token issued so far answers 40001."""
        with self.store.tokens_lock():
            self.store.put_tokens([replace(t, invalid_after=min(now, t.invalid_after or now))
                                   for t in self.store.tokens()])

    def _tidy_tokens(self, now: datetime) -> list[Token]:
        """Every token still worth an answer, oldest first; long-dead ones are dropped (bounded size)."""
        dead, kept = [], []
        for token in self.store.tokens():
            end = min(token.expires_at, token.invalid_after or token.expires_at)
            (dead if now >= end + TOKEN_FORGOTTEN else kept).append(token)
        self.store.drop_tokens([token.value for token in dead])
        return sorted(kept, key=lambda token: token.expires_at)


def _new_token(appid: str, kind: str, now: datetime) -> Token:
    return Token(value=f"sbx_{kind}_{secrets.token_urlsafe(24)}", appid=appid, kind=kind,
                 expires_at=now + TOKEN_LIFETIME)


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
