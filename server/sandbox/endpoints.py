"""The WeChat APIs the sandbox plays, answering like WeChat (HTTP 200 with errcode on failure).

Each handler takes a Request (state, clock time, query, JSON body, files) and returns a dict
(sent as JSON) or a Flask Response (files). ENDPOINTS maps WeChat's path to (needs token, handler).
"""
from __future__ import annotations

import base64
import hashlib
import io
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import qrcode
from flask import Response

from server.sandbox.state import TOKEN_LIFETIME, SandboxState, encode_ticket, scene_from_ticket

QR_ACTIONS = {"QR_SCENE", "QR_STR_SCENE", "QR_LIMIT_SCENE", "QR_LIMIT_STR_SCENE"}
MAX_QR_SECONDS = 2592000
LANGS = {"zh_CN", "en_US", "zh_HK", "zh_TW"}
MINIPROGRAM_STATES = {"developer", "trial", "formal"}


@dataclass
class Request:
    state: SandboxState
    now: datetime
    query: dict[str, str]
    body: Any
    files: dict[str, bytes]
    public_url: str


def err(errcode: int, errmsg: str) -> dict[str, Any]:
    return {"errcode": errcode, "errmsg": errmsg}


OK = {"errcode": 0, "errmsg": "ok"}


def openid_for_code(code: str) -> str:
    """jscode2session's openid for a login code: stable, so a tester can be anyone by choosing a code."""
    return "o" + base64.urlsafe_b64encode(hashlib.sha256(f"openid:{code}".encode()).digest()).decode()[:27]


def check_token(req: Request) -> dict[str, Any] | None:
    """None when the access_token is valid, else WeChat's answer (41001, 40001 or 42001)."""
    value = req.query.get("access_token")
    if not value:
        return err(41001, "access_token missing")
    token = req.state.token(value)
    if token is None or (token.invalid_after is not None and req.now >= token.invalid_after):
        return err(40001, "invalid credential, access_token is invalid or not latest")
    if req.now >= token.expires_at:
        return err(42001, "access_token expired")
    return None


def _credentials(appid: Any, secret: Any) -> dict[str, Any] | None:
    if not appid:
        return err(41002, "appid missing")
    if not secret:
        return err(41004, "appsecret missing")
    return None


def token(req: Request) -> dict[str, Any]:
    """cgi-bin/token: a new token every call; the previous ones keep working for five minutes."""
    if req.query.get("grant_type") != "client_credential":
        return err(40002, "invalid grant_type")
    appid = req.query.get("appid")
    if problem := _credentials(appid, req.query.get("secret")):
        return problem
    new = req.state.issue_token(appid, req.now)
    return {"access_token": new.value, "expires_in": int(TOKEN_LIFETIME.total_seconds())}


def stable_token(req: Request) -> dict[str, Any]:
    """cgi-bin/stable_token: the same token while it is valid (apart from cgi-bin/token's tokens)."""
    body = req.body if isinstance(req.body, dict) else {}
    if body.get("grant_type") != "client_credential":
        return err(40002, "invalid grant_type")
    appid = body.get("appid")
    if problem := _credentials(appid, body.get("secret")):
        return problem
    chosen = req.state.stable_token(appid, req.now, force_refresh=body.get("force_refresh") is True)
    return {"access_token": chosen.value, "expires_in": int((chosen.expires_at - req.now).total_seconds())}


def _openid_problem(req: Request, openid: Any, *, must_follow: bool = True) -> dict[str, Any] | None:
    if not isinstance(openid, str) or not openid or len(openid) > 64 or " " in openid:
        return err(40003, "invalid openid")
    if must_follow and not req.state.is_following(openid):
        return err(43004, "require subscribe")
    return None


def _data_problem(data: Any) -> dict[str, Any] | None:
    if not isinstance(data, dict) or not data:
        return err(47003, "argument invalid! data invalid")
    for key, item in data.items():
        if not isinstance(item, dict) or not isinstance(item.get("value"), str):
            return err(47003, f"argument invalid! data.{key}.value invalid")
    return None


def custom_send(req: Request) -> dict[str, Any]:
    body = req.body if isinstance(req.body, dict) else {}
    openid = body.get("touser")
    if problem := _openid_problem(req, openid):
        return problem
    if body.get("msgtype") != "text" or not str((body.get("text") or {}).get("content") or "").strip():
        return err(44004, "empty content")
    if not req.state.window_open(openid, req.now):
        return err(45015, "response out of time limit or subscription is canceled")
    req.state.deliver(openid, "text", body, req.now)
    return dict(OK)


def template_send(req: Request) -> dict[str, Any]:
    body = req.body if isinstance(req.body, dict) else {}
    openid = body.get("touser")
    if problem := _openid_problem(req, openid):
        return problem
    if not body.get("template_id"):
        return err(40037, "invalid template_id")
    if problem := _data_problem(body.get("data")):
        return problem
    req.state.deliver(openid, "template", body, req.now)
    return {**OK, "msgid": secrets.randbelow(10**12)}


def _subscribe(req: Request, *, kind: str, must_follow: bool) -> dict[str, Any]:
    body = req.body if isinstance(req.body, dict) else {}
    openid = body.get("touser")
    if problem := _openid_problem(req, openid, must_follow=must_follow):
        return problem
    if not body.get("template_id"):
        return err(40037, "invalid template_id")
    if problem := _data_problem(body.get("data")):
        return problem
    if kind == "miniapp_subscribe" and (body.get("miniprogram_state", "formal") not in MINIPROGRAM_STATES
                                        or body.get("lang", "zh_CN") not in LANGS):
        return err(47003, "argument invalid! miniprogram_state or lang invalid")
    if req.state.refuses_subscription(openid):
        return err(43101, "user refuse to accept the msg")
    req.state.deliver(openid, kind, body, req.now)
    return dict(OK)


def subscribe_bizsend(req: Request) -> dict[str, Any]:
    return _subscribe(req, kind="subscribe", must_follow=True)


def subscribe_send(req: Request) -> dict[str, Any]:
    return _subscribe(req, kind="miniapp_subscribe", must_follow=False)


def media_get(req: Request) -> dict[str, Any] | Response:
    media_id = req.query.get("media_id", "")
    found = req.state.get_media(media_id)
    if found is None:
        return err(40007, "invalid media_id")
    data, content_type = found
    extension = {"image/jpeg": "jpg", "image/png": "png"}.get(content_type, "bin")
    return Response(data, content_type=content_type,
                    headers={"Content-disposition": f'attachment; filename="{media_id}.{extension}"'})


def media_upload(req: Request) -> dict[str, Any]:
    media_type = req.query.get("type")
    if media_type not in ("image", "voice", "video", "thumb"):
        return err(40004, "invalid media type")
    data = req.files.get("media")
    if not data:
        return err(41005, "media data missing")
    content_type = "image/jpeg" if media_type in ("image", "thumb") else "application/octet-stream"
    media_id = req.state.add_media(data, content_type)
    return {"type": media_type, "media_id": media_id, "created_at": int(req.now.timestamp())}


def qrcode_create(req: Request) -> dict[str, Any]:
    body = req.body if isinstance(req.body, dict) else {}
    action = body.get("action_name")
    if action not in QR_ACTIONS:
        return err(40053, "invalid action_name")
    scene = ((body.get("action_info") or {}).get("scene") or {})
    value = scene.get("scene_str") if "STR" in action else scene.get("scene_id")
    if "STR" in action and not (isinstance(value, str) and 1 <= len(value) <= 64):
        return err(40035, "invalid args: scene_str must have 1 to 64 characters")
    if "STR" not in action and not (isinstance(value, int) and value > 0):
        return err(40035, "invalid args: scene_id")
    permanent = action.startswith("QR_LIMIT")
    expire = None if permanent else min(int(body.get("expire_seconds") or 60), MAX_QR_SECONDS)
    expire_at = None if permanent else req.now + timedelta(seconds=expire)
    ticket = encode_ticket(str(value), action, expire_at)
    answer: dict[str, Any] = {"ticket": ticket, "url": f"{req.public_url}/sandbox/qr/{ticket}"}
    if expire is not None:
        answer["expire_seconds"] = expire
    return answer


def _png(content: str) -> Response:
    buffer = io.BytesIO()
    qrcode.make(content).save(buffer, format="PNG")
    return Response(buffer.getvalue(), content_type="image/png")


def show_qrcode(req: Request) -> dict[str, Any] | Response:
    ticket = req.query.get("ticket", "")
    if scene_from_ticket(ticket) is None:
        return Response("invalid ticket", status=404, content_type="text/plain")
    return _png(f"{req.public_url}/sandbox/qr/{ticket}")


def jscode2session(req: Request) -> dict[str, Any]:
    code = req.query.get("js_code", "")
    if req.query.get("grant_type") != "authorization_code":
        return err(40002, "invalid grant_type")
    if problem := _credentials(req.query.get("appid"), req.query.get("secret")):
        return problem
    if not code:
        return err(41008, "missing code")
    if code == "invalid":
        return err(40029, "invalid code")
    digest = hashlib.sha256(f"session:{code}".encode()).digest()
    return {"openid": openid_for_code(code), "session_key": base64.b64encode(digest[:16]).decode(),
            "unionid": "u" + base64.urlsafe_b64encode(hashlib.sha256(f"union:{code}".encode()).digest()).decode()[:27]}


def wxa_code_unlimited(req: Request) -> dict[str, Any] | Response:
    body = req.body if isinstance(req.body, dict) else {}
    scene = body.get("scene")
    if not isinstance(scene, str) or not 1 <= len(scene) <= 32:
        return err(40169, "invalid length for scene, or the data is not json string")
    return _png(f"{req.public_url}/sandbox/wxa?scene={scene}&page={body.get('page') or ''}")


def _button_problem(button: Any, *, sub: bool) -> dict[str, Any] | None:
    if not isinstance(button, dict) or not isinstance(button.get("name"), str):
        return err(40017, "invalid button type")
    if not 1 <= len(button["name"].encode()) <= (60 if sub else 16):
        return err(40018, "invalid button name size")
    if not sub and "sub_button" in button:
        subs = button["sub_button"]
        if not isinstance(subs, list) or not 1 <= len(subs) <= 5:
            return err(40023, "invalid sub button size")
        return next((p for p in (_button_problem(s, sub=True) for s in subs) if p), None)
    if button.get("type") == "click":
        return None if 1 <= len(str(button.get("key") or "").encode()) <= 128 else err(40019, "invalid button key size")
    if button.get("type") == "view":
        return None if str(button.get("url") or "").startswith(("http://", "https://")) else err(40055, "invalid button url domain")
    return err(40017, "invalid button type")


def menu_create(req: Request) -> dict[str, Any]:
    """`cgi-bin/menu/create`: at most 3 buttons, each with at most 5 sub-buttons, checked like WeChat."""
    buttons = req.body.get("button") if isinstance(req.body, dict) else None
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
        return err(40016, "invalid button size")
    return next((p for p in (_button_problem(b, sub=False) for b in buttons) if p), None) or dict(OK)


Handler = Callable[[Request], "dict[str, Any] | Response"]
ENDPOINTS: dict[str, tuple[bool, Handler]] = {
    "cgi-bin/token": (False, token),
    "cgi-bin/stable_token": (False, stable_token),
    "cgi-bin/message/custom/send": (True, custom_send),
    "cgi-bin/message/template/send": (True, template_send),
    "cgi-bin/message/subscribe/bizsend": (True, subscribe_bizsend),
    "cgi-bin/message/subscribe/send": (True, subscribe_send),
    "cgi-bin/media/get": (True, media_get),
    "cgi-bin/media/upload": (True, media_upload),
    "cgi-bin/qrcode/create": (True, qrcode_create),
    "cgi-bin/menu/create": (True, menu_create),
    "cgi-bin/showqrcode": (False, show_qrcode),
    "sns/jscode2session": (False, jscode2session),
    "wxa/getwxacodeunlimit": (True, wxa_code_unlimited),
}
