"""The user side of the sandbox, without Flask: build a message as WeChat would, sign it (plain or
safe mode), post it to the bot, retry like WeChat when the reply is late or fails, read the reply."""
from __future__ import annotations

import binascii
import hashlib
import secrets
import struct
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from xml.parsers.expat import ExpatError

import requests
import xmltodict
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException

OFFICIAL_ACCOUNT = "gh_minyi_sandbox"
WECHAT_TIMEOUT_SECONDS = 5.0
WECHAT_ATTEMPTS = 3  # WeChat tries a message three times in all
UNREADABLE = (ExpatError, KeyError, ValueError, TypeError, UnicodeDecodeError, struct.error, binascii.Error,
              InvalidSignatureException, InvalidAppIdException)


def cdata(value: str) -> str:
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def new_msg_id() -> str:
    """A 64-bit message id, like WeChat's."""
    return str(secrets.randbits(63))


def message_xml(fields: dict[str, Any]) -> str:
    """The XML WeChat posts: strings as CDATA, numbers bare, in the given order."""
    parts = []
    for name, value in fields.items():
        if value is None:
            continue
        text = str(value) if isinstance(value, int | float) else cdata(str(value))
        parts.append(f"<{name}>{text}</{name}>")
    return "<xml>" + "".join(parts) + "</xml>"


def sign(token: str, *parts: str) -> str:
    return hashlib.sha1("".join(sorted([token, *parts])).encode()).hexdigest()


@dataclass
class Attempt:
    status: int | None
    body: str
    error: str | None = None
    seconds: float = 0.0


@dataclass
class Delivery:
    """What happened to one message: every attempt and the reply the user finally saw."""

    attempts: list[Attempt] = field(default_factory=list)
    reply: str | None = None  # the text shown in the chat; None for `success` / no reply
    reply_xml: str | None = None
    failed: bool = False  # WeChat would show "该公众号暂时无法提供服务，请稍后再试"

    def as_dict(self) -> dict[str, Any]:
        return {"reply": self.reply, "failed": self.failed, "reply_xml": self.reply_xml,
                "attempts": [a.__dict__ for a in self.attempts]}


@dataclass
class WechatUserSide:
    bot_url: str
    token: str
    app_id: str
    aes_key: str | None = None
    now: Callable[[], float] = time.time
    timeout: float = WECHAT_TIMEOUT_SECONDS

    def signed_request(self, xml: str, *, openid: str, safe: bool, aes_key: str | None = None,
                       timestamp_offset: int = 0, bad_signature: bool = False) -> tuple[dict[str, str], str]:
        """Query string and body for one post, exactly as WeChat builds them."""
        timestamp, nonce = str(int(self.now()) + timestamp_offset), str(secrets.randbelow(10**9))
        query = {"signature": sign(self.token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce,
                 "openid": openid}
        body = xml
        if safe:
            crypto = WeChatCrypto(self.token, aes_key or self.aes_key, self.app_id)
            envelope = xmltodict.parse(crypto.encrypt_message(xml, nonce, timestamp))["xml"]
            body = message_xml({"ToUserName": OFFICIAL_ACCOUNT, "Encrypt": envelope["Encrypt"]})
            query.update(encrypt_type="aes", msg_signature=envelope["MsgSignature"])
        if bad_signature:
            query["signature"] = query.get("signature", "")[::-1]
            if "msg_signature" in query:
                query["msg_signature"] = query["msg_signature"][::-1]
        return query, body

    def post(self, xml: str, *, openid: str, safe: bool = False, aes_key: str | None = None,
             retries: bool = True, **signing: Any) -> Delivery:
        """Post like WeChat: on a timeout, an error or a 5xx, try again (three attempts in all)."""
        delivery = Delivery()
        for _ in range(WECHAT_ATTEMPTS if retries else 1):
            query, body = self.signed_request(xml, openid=openid, safe=safe, aes_key=aes_key, **signing)
            attempt = self._attempt(query, body)
            delivery.attempts.append(attempt)
            if attempt.status is not None and attempt.status < 500:
                break
        last = delivery.attempts[-1]
        if last.status != 200:
            delivery.failed = True
            return delivery
        delivery.reply_xml, delivery.reply, delivery.failed = self._read_reply(last.body, safe, aes_key)
        return delivery

    def post_concurrently(self, xml: str, *, openid: str, copies: int, safe: bool = False) -> list[Delivery]:
        """The same message several times at once: what WeChat's overlapping retries look like."""
        with ThreadPoolExecutor(max_workers=copies) as pool:
            futures = [pool.submit(self.post, xml, openid=openid, safe=safe, retries=False) for _ in range(copies)]
            return [future.result() for future in futures]

    def post_raw(self, body: bytes | str, query: dict[str, str]) -> Attempt:
        return self._attempt(query, body)

    def _attempt(self, query: dict[str, str], body: bytes | str) -> Attempt:
        started = time.monotonic()
        data = body.encode() if isinstance(body, str) else body
        try:
            response = requests.post(self.bot_url, params=query, data=data, timeout=self.timeout,
                                     headers={"Content-Type": "text/xml"})
        except requests.RequestException as exc:
            return Attempt(status=None, body="", error=type(exc).__name__, seconds=time.monotonic() - started)
        return Attempt(status=response.status_code, body=response.text, seconds=time.monotonic() - started)

    def _read_reply(self, body: str, safe: bool, aes_key: str | None) -> tuple[str | None, str | None, bool]:
        """(reply xml, text shown, failed): `success` or empty means no reply; bad XML is a failure."""
        if body.strip() in ("", "success"):
            return None, None, False
        try:
            xml = body
            if safe:
                envelope = xmltodict.parse(body)["xml"]
                crypto = WeChatCrypto(self.token, aes_key or self.aes_key, self.app_id)
                xml = crypto.decrypt_message(body, envelope["MsgSignature"], envelope["TimeStamp"],
                                             envelope["Nonce"])
            reply = xmltodict.parse(xml)["xml"]
        except UNREADABLE:  # WeChat shows a failure for a reply it cannot read
            return body, None, True
        if reply.get("MsgType") != "text":
            return xml, f"[{reply.get('MsgType')}]", False
        return xml, reply.get("Content") or "", False
