"""The webhook at /wechat: WeChat's URL check (GET) and its messages (POST); the talking is in
server.chat."""
from __future__ import annotations

import time

from flask import Blueprint, Response, g, request

from bot.envelope import MAX_BODY_BYTES, EnvelopeError, WechatKeys, open_envelope, verify
from bot.journal import Intake
from bot.limits import RATE_LIMITED, OpenidRateLimiter
from server.chat.texts import UNSUPPORTED
from server.web.errors import error_response
from server.web.metrics import observe_webhook
from server.web.runtime import current_runtime


def _keys() -> WechatKeys:
    settings = current_runtime().settings
    aes_keys = tuple(k for k in (settings.wechat_encoding_aes_key, settings.wechat_previous_aes_key) if k)
    return WechatKeys(token=settings.wechat_token, app_id=settings.wechat_app_id or settings.sandbox_app_id,
                      aes_keys=aes_keys)


def _xml(body: str) -> Response:
    return Response(body, mimetype="application/xml" if body != "success" else "text/plain")


def build_blueprint(limiter: OpenidRateLimiter, intake: Intake) -> Blueprint:
    bp = Blueprint("wechat", __name__, url_prefix="/wechat")

    @bp.errorhandler(EnvelopeError)
    def _refused(exc: EnvelopeError):
        return error_response(exc.code, exc.message, exc.status)

    @bp.before_request
    def _open_envelope():
        if request.method != "POST":
            return None
        g.webhook_started = time.perf_counter()
        if (request.content_length or 0) > MAX_BODY_BYTES:
            return error_response("payload_too_large", "请求内容过大", 413)
        body = request.stream.read(MAX_BODY_BYTES + 1)
        if len(body) > MAX_BODY_BYTES:
            return error_response("payload_too_large", "请求内容过大", 413)
        g.wechat_envelope = open_envelope(_keys(), body, request.args.to_dict(), current_runtime().clock.now().timestamp())
        return None

    @bp.after_request
    def _timed(response: Response) -> Response:
        started = g.get("webhook_started")
        if started is not None:
            observe_webhook(time.perf_counter() - started, response.status_code)
        return response

    @bp.get("")
    def verify_url():
        """WeChat's server check when the URL is saved in its console: echo `echostr` if signed by us."""
        verify(_keys(), request.args.to_dict(), current_runtime().clock.now().timestamp())
        return Response(request.args.get("echostr", ""), mimetype="text/plain")

    @bp.post("")
    def receive():
        envelope = g.wechat_envelope
        if not limiter.allow(envelope.fields["openid"]):
            # WeChat would show a 429 as "service unavailable": answer politely instead.
            return _xml(envelope.seal(RATE_LIMITED))
        if not envelope.known:
            # A kind wechatpy does not know: nothing stored; events need no answer, messages get help.
            return _xml(envelope.seal("" if envelope.fields["msg_type"] == "event" else UNSUPPORTED))
        # The database gets a short budget; if it cannot take the message, the journal does (bot.journal).
        return _xml(envelope.seal(intake.answer(current_runtime(), envelope.fields)))

    return bp
