"""What WeChat posts, opened: signature and freshness, safe-mode (AES) decryption, parsing; and the
reply sealed the same way. Signatures, crypto and XML are left to wechatpy."""
from __future__ import annotations

import binascii
import struct
from dataclasses import dataclass
from typing import Any
from xml.parsers.expat import ExpatError

from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.events import BaseEvent
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.messages import BaseMessage, UnknownMessage
from wechatpy.replies import create_reply
from wechatpy.utils import check_signature

from bot.document import readable_document

MAX_BODY_BYTES = 256 * 1024
TIMESTAMP_WINDOW_SECONDS = 300
PARSE_ERRORS = (ExpatError, ValueError, KeyError, AttributeError, UnicodeDecodeError, TypeError)
DECRYPT_ERRORS = (InvalidAppIdException, ValueError, UnicodeDecodeError, struct.error, IndexError,
                  binascii.Error)
TEXT_FIELDS = {"content": "Content", "media_id": "MediaId", "pic_url": "PicUrl", "recognition": "Recognition",
               "format": "Format", "location_x": "Location_X", "location_y": "Location_Y", "scale": "Scale",
               "label": "Label", "title": "Title", "description": "Description", "url": "Url",
               "event_key": "EventKey", "ticket": "Ticket", "status": "Status"}


class EnvelopeError(Exception):
    """A request we refuse: `status` 400/403, an English code and a Chinese message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass(frozen=True)
class WechatKeys:
    token: str
    app_id: str
    aes_keys: tuple[str, ...]  # current first, then the previous one kept after a rotation


@dataclass
class Envelope:
    message: BaseMessage
    fields: dict[str, Any]
    known: bool  # False for message kinds wechatpy does not know (UnknownMessage)
    crypto: WeChatCrypto | None
    nonce: str
    timestamp: str

    def seal(self, text: str) -> str:
        """The passive reply, rendered by wechatpy (and encrypted in safe mode); `success` = no reply."""
        if not text:
            return "success"
        # wechatpy puts each value in a CDATA section as it is: a `]]>` in it (a sender or account name
        # typed by anyone, or a resident's words quoted back) would end the section and break the reply.
        reply = create_reply(_cdata_safe(text), message=self.message)
        reply.source, reply.target = _cdata_safe(reply.source or ""), _cdata_safe(reply.target or "")
        xml = reply.render()
        return self.crypto.encrypt_message(xml, self.nonce, self.timestamp) if self.crypto else xml


def _cdata_safe(value: str) -> str:
    return value.replace("]]>", "]]]]><![CDATA[>")


def verify(keys: WechatKeys, args: dict[str, str], now: float) -> None:
    """The URL signature over token, timestamp and nonce, and a timestamp within 5 minutes of now."""
    signature, timestamp, nonce = args.get("signature"), args.get("timestamp"), args.get("nonce")
    if not (signature and timestamp and nonce):
        raise EnvelopeError(403, "invalid_signature", "签名校验失败")
    try:
        check_signature(keys.token, signature, timestamp, nonce)
    except InvalidSignatureException:
        raise EnvelopeError(403, "invalid_signature", "签名校验失败") from None
    _check_fresh(timestamp, now)


def _check_fresh(timestamp: str, now: float) -> None:
    if not timestamp.isdigit() or abs(now - int(timestamp)) > TIMESTAMP_WINDOW_SECONDS:
        raise EnvelopeError(403, "stale_timestamp", "请求已过期")


def _decrypt(keys: WechatKeys, body: bytes, args: dict[str, str]) -> tuple[str, WeChatCrypto]:
    msg_signature, timestamp, nonce = args.get("msg_signature"), args.get("timestamp"), args.get("nonce")
    if not (msg_signature and timestamp and nonce):
        raise EnvelopeError(403, "invalid_signature", "签名校验失败")
    if not keys.aes_keys:
        raise EnvelopeError(400, "safe_mode_off", "未配置消息加密密钥")
    for aes_key in keys.aes_keys:
        crypto = WeChatCrypto(keys.token, aes_key, keys.app_id)
        try:
            return crypto.decrypt_message(body, msg_signature, timestamp, nonce), crypto
        except InvalidSignatureException:
            raise EnvelopeError(403, "invalid_signature", "签名校验失败") from None
        except (ExpatError, KeyError, AttributeError, TypeError, *DECRYPT_ERRORS):
            continue  # not this key (or not an envelope at all): try the previous key
    raise EnvelopeError(400, "undecryptable", "消息无法解密")


def open_envelope(keys: WechatKeys, body: bytes, args: dict[str, str], now: float) -> Envelope:
    """Check, decrypt (safe mode: `encrypt_type=aes` and `msg_signature`) and parse a POSTed message."""
    crypto = None
    if args.get("encrypt_type") == "aes":
        _check_fresh(args.get("timestamp") or "", now)
        xml, crypto = _decrypt(keys, body, args)
    else:
        verify(keys, args, now)
        xml = body
    try:
        message = parse_message(readable_document(xml))
    except PARSE_ERRORS:
        raise EnvelopeError(400, "malformed_xml", "消息格式不正确") from None
    if message is None:
        raise EnvelopeError(400, "empty_body", "消息为空")
    return Envelope(message=message, fields=_fields(message), known=not isinstance(message, UnknownMessage),
                    crypto=crypto, nonce=args["nonce"], timestamp=args["timestamp"])


def _text(raw: dict[str, Any], name: str) -> str | None:
    value = raw.get(name)
    if value is None or isinstance(value, str):
        return value
    raise EnvelopeError(400, "malformed_xml", "消息格式不正确")


def _fields(message: BaseMessage) -> dict[str, Any]:
    """The plain dict the chat service works on (no wechatpy objects cross into server.chat)."""
    raw = message._data
    openid, create_time = _text(raw, "FromUserName"), _text(raw, "CreateTime")
    msg_type, msg_id = (_text(raw, "MsgType") or "").lower(), _text(raw, "MsgId")
    if not openid or len(openid) > 64 or not (create_time or "").isdigit() or (msg_id and not msg_id.isdigit()):
        raise EnvelopeError(400, "malformed_xml", "消息缺少必要字段")
    fields: dict[str, Any] = {"msg_type": msg_type, "openid": openid, "create_time": int(create_time),
                              "msg_id": msg_id, "to": _text(raw, "ToUserName")}
    if isinstance(message, BaseEvent):
        fields["event"] = message.event
    elif msg_type == "event":
        fields["event"] = (_text(raw, "Event") or "").lower()
    for name, tag in TEXT_FIELDS.items():
        fields[name] = _text(raw, tag)
    return fields
