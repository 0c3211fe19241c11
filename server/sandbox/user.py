"""The sandbox's user side over HTTP (/sandbox/user): play a resident or a deputy on WeChat.

    POST /sandbox/user/send      {openid, type: text|image|voice|location|link|event, ...,
                                  mode: plain|aes, aes_key?, copies?}  -> the bot's reply (after retries)
    POST /sandbox/user/raw       {body, mode: plain|aes|unsigned, timestamp_offset?, bad_signature?}
                                 -> the webhook's status and body (for malformed or hostile input)
    GET  /sandbox/user/pushes?openid=   pushes WeChat delivered to that user (customer-service, template)

Playing a deputy or staff member goes through the product like any client: sign in with
`POST /api/v1/auth/password`, get a one-time code from `POST /api/v1/me/bind-code`, scan `bind:<code>`.
The sandbox itself reads no table and calls no service.
"""
from __future__ import annotations

import base64
import binascii
import secrets
from typing import Any

from flask import Blueprint, current_app, jsonify, request

from server.core.errors import ValidationError
from server.sandbox.guard import require_control
from server.sandbox.messages import build_message
from server.sandbox.wechat_user import WechatUserSide, message_xml
from server.web.runtime import current_runtime

bp = Blueprint("sandbox_user", __name__, url_prefix="/sandbox/user")
bp.before_request(require_control)
MAX_COPIES = 5
ACTIVE_EVENTS = {"subscribe", "SCAN", "CLICK", "VIEW"}


def _platform():
    """The API side's state (same app), when it is mounted: media, follows, delivered pushes."""
    return current_app.extensions.get("minyi_sandbox")


def user_side() -> WechatUserSide:
    settings, clock = current_runtime().settings, current_runtime().clock
    bot_url = current_app.config.get("SANDBOX_BOT_URL") or request.host_url.rstrip("/") + "/wechat"
    return WechatUserSide(bot_url=bot_url, token=settings.wechat_token,
                          app_id=settings.wechat_app_id or settings.sandbox_app_id,
                          aes_key=settings.wechat_encoding_aes_key, now=lambda: clock.now().timestamp())


def _json() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ValidationError("请求体须为 JSON 对象")
    return data


def _media_for(data: dict[str, Any]) -> str | None:
    """An uploaded photo becomes a WeChat media file the bot can later fetch by its MediaId."""
    if data.get("type") != "image" or data.get("media_id"):
        return None
    raw = None
    if data.get("image"):
        try:
            raw = base64.b64decode(str(data["image"]).split(",", 1)[-1], validate=True)
        except binascii.Error as exc:
            raise ValidationError("图片须为 base64 编码", details={"field": "image"}) from exc
    state = _platform()
    if state is None:
        # No API side in this app: the message still names a media id, but nothing can serve it.
        return f"sbx-media-{secrets.token_urlsafe(12)}"
    return state.add_media(raw, "image/jpeg") if raw else state.add_media()


def _note_user(data: dict[str, Any]) -> None:
    state = _platform()
    if state is None:
        return
    openid, event = data["openid"], data.get("event")
    if event == "unsubscribe":
        state.unfollow(openid)
        return
    if event == "subscribe":
        state.follow(openid)
    if data.get("type") != "event" or event in ACTIVE_EVENTS:
        state.note_message(openid, current_runtime().clock.now())


@bp.post("/send")
def send():
    data = _json()
    side = user_side()
    xml, msg_id = build_message(data, now=int(side.now()), media_id=_media_for(data))
    safe = data.get("mode") == "aes"
    if safe and not (data.get("aes_key") or side.aes_key):
        raise ValidationError("服务器未配置 EncodingAESKey，不能使用安全模式", details={"field": "mode"})
    _note_user(data)
    copies = int(data.get("copies") or 1)
    if not 1 <= copies <= MAX_COPIES:
        raise ValidationError(f"copies 须在 1 到 {MAX_COPIES} 之间", details={"field": "copies"})
    if copies > 1:
        deliveries = side.post_concurrently(xml, openid=data["openid"], copies=copies, safe=safe)
    else:
        deliveries = [side.post(xml, openid=data["openid"], safe=safe, aes_key=data.get("aes_key"),
                                retries=data.get("retries", True) is not False)]
    first = deliveries[0]
    return jsonify(msg_id=msg_id, request_xml=xml, reply=first.reply, failed=first.failed,
                   attempts=len(first.attempts), deliveries=[d.as_dict() for d in deliveries])


@bp.post("/raw")
def raw():
    """Post any body, signed or not, fresh or stale: how tests show the webhook refuses bad input."""
    data = _json()
    side = user_side()
    body = data.get("body")
    if body is None and data.get("size"):
        body = message_xml({"ToUserName": "x", "FromUserName": "big", "CreateTime": 1, "MsgType": "text",
                            "Content": "长" * int(data["size"])})
    if not isinstance(body, str):
        raise ValidationError("缺少 body", details={"field": "body"})
    mode = data.get("mode", "plain")
    query, payload = side.signed_request(body, openid=str(data.get("openid", "raw")), safe=mode == "aes",
                                         aes_key=data.get("aes_key"),
                                         timestamp_offset=int(data.get("timestamp_offset", 0)),
                                         bad_signature=bool(data.get("bad_signature")))
    if mode == "unsigned":
        query = {}
    attempt = side.post_raw(payload, query)
    return jsonify(status=attempt.status, body=attempt.body, error=attempt.error)


@bp.get("/pushes")
def pushes():
    openid = request.args.get("openid", "")
    state = _platform()
    return jsonify(pushes=state.messages_for(openid) if state is not None and openid else [])
