"""Messages as WeChat sends them to an official account (field names and order from its documentation)."""
from __future__ import annotations

from typing import Any

from server.core.errors import ValidationError
from server.sandbox.wechat_user import OFFICIAL_ACCOUNT, message_xml, new_msg_id

KINDS = ("text", "image", "voice", "location", "link", "event")
EVENTS = {"subscribe", "unsubscribe", "SCAN", "CLICK", "VIEW", "LOCATION"}


def _need(data: dict[str, Any], name: str) -> Any:
    value = data.get(name)
    if value in (None, ""):
        raise ValidationError(f"缺少 {name}", details={"field": name})
    return value


def build_message(data: dict[str, Any], *, now: int, media_id: str | None = None) -> tuple[str, str | None]:
    """(xml, msg_id) for a message a tester asks for; events carry no MsgId."""
    kind, openid = data.get("type", "text"), _need(data, "openid")
    if kind not in KINDS:
        raise ValidationError(f"不支持的消息类型：{kind}", details={"field": "type"})
    head = {"ToUserName": OFFICIAL_ACCOUNT, "FromUserName": openid, "CreateTime": int(data.get("create_time") or now),
            "MsgType": kind}
    if kind == "event":
        return message_xml({**head, **_event_fields(data)}), None
    body: dict[str, Any]
    if kind == "text":
        body = {"Content": _need(data, "content")}
    elif kind == "image":
        media_id = media_id or _need(data, "media_id")
        body = {"PicUrl": data.get("pic_url") or f"http://sandbox.invalid/media/{media_id}", "MediaId": media_id}
    elif kind == "voice":
        body = {"MediaId": media_id or data.get("media_id") or "sbx-voice", "Format": data.get("format", "amr"),
                "Recognition": data.get("recognition")}
    elif kind == "location":
        body = {"Location_X": float(_need(data, "latitude")), "Location_Y": float(_need(data, "longitude")),
                "Scale": int(data.get("scale", 15)), "Label": data.get("label") or ""}
    else:
        body = {"Title": _need(data, "title"), "Description": data.get("description") or "",
                "Url": _need(data, "url")}
    msg_id = str(data.get("msg_id") or new_msg_id())
    return message_xml({**head, **body, "MsgId": int(msg_id)}), msg_id


def _event_fields(data: dict[str, Any]) -> dict[str, Any]:
    event = _need(data, "event")
    if event not in EVENTS:
        raise ValidationError(f"不支持的事件：{event}", details={"field": "event"})
    scene = data.get("scene") or ""
    if event == "subscribe" and scene:
        return {"Event": "subscribe", "EventKey": f"qrscene_{scene}", "Ticket": data.get("ticket") or "sbx-ticket"}
    if event == "SCAN":
        return {"Event": "SCAN", "EventKey": _need(data, "scene"), "Ticket": data.get("ticket") or "sbx-ticket"}
    if event in ("CLICK", "VIEW"):
        return {"Event": event, "EventKey": _need(data, "key")}
    if event == "LOCATION":
        return {"Event": "LOCATION", "Latitude": float(_need(data, "latitude")),
                "Longitude": float(_need(data, "longitude")), "Precision": float(data.get("precision", 30))}
    return {"Event": event, "EventKey": "" if event == "subscribe" else None}
