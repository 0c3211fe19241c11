"""The limit: the least a correct webhook can do on this stack (WSGI, wechatpy), and nothing more.

It checks the same signature and timestamp window as Minyi, parses the body with wechatpy and answers
one fixed text reply rendered by wechatpy. No framework, no database: nothing can be faster here.
Served as `bench.apps.limit_app:app` under the same gunicorn settings as Minyi.
"""
from __future__ import annotations

import os
import time
from urllib.parse import parse_qs

from wechatpy import parse_message
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.replies import TextReply
from wechatpy.utils import check_signature

TOKEN = os.environ.get("WECHAT_TOKEN", "minyi-sandbox-token")
MAX_BODY = 256 * 1024
WINDOW_SECONDS = 300


def _answer(start_response, status: str, body: bytes, content_type: str = "text/plain; charset=utf-8"):
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]


def app(environ, start_response):
    query = {key: values[0] for key, values in parse_qs(environ.get("QUERY_STRING", "")).items()}
    timestamp = query.get("timestamp", "")
    try:
        check_signature(TOKEN, query.get("signature", ""), timestamp, query.get("nonce", ""))
        if abs(time.time() - int(timestamp)) > WINDOW_SECONDS:
            raise InvalidSignatureException()
    except (InvalidSignatureException, ValueError):
        return _answer(start_response, "403 Forbidden", b"invalid signature")
    if environ["REQUEST_METHOD"] == "GET":
        return _answer(start_response, "200 OK", query.get("echostr", "").encode())
    length = int(environ.get("CONTENT_LENGTH") or 0)
    if length > MAX_BODY:
        return _answer(start_response, "413 Payload Too Large", b"too large")
    try:
        message = parse_message(environ["wsgi.input"].read(length))
    except Exception:  # wechatpy raises many kinds on bad XML; the limit only needs to refuse it
        return _answer(start_response, "400 Bad Request", b"bad message")
    reply = TextReply(message=message, content="已收到您的反映，我们会在72小时内反馈。")
    return _answer(start_response, "200 OK", reply.render().encode(), "application/xml; charset=utf-8")
