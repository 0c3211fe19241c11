"""The sandbox's API side at /sandbox/api: WeChat's endpoints, a call log and failure injection.

    GET    /sandbox/api/calls[?path=cgi-bin/message/template/send]   every recorded call, oldest first
    DELETE /sandbox/api/calls                                        forget them
    POST   /sandbox/api/faults {"path", "mode": http500|timeout|errcode, "errcode", "times", "delay"}
    GET    /sandbox/api/faults, DELETE /sandbox/api/faults
    POST   /sandbox/api/tokens/revoke                                every token answers 40001 from now on
    POST   /sandbox/api/users {"openid", "following", "last_message_at", "refuses_subscription"}
    POST   /sandbox/api/media (raw bytes, optional) -> {"media_id"}  a file media/get will serve
    GET|POST /sandbox/api/<WeChat path>                              see endpoints.ENDPOINTS

A `timeout` fault sleeps `delay` seconds (default: just past the server's own WeChat timeout, the
app config SANDBOX_TIMEOUT_SECONDS overrides it) and then answers errcode -1 without doing the work.
"""
from __future__ import annotations

import json
import time
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from server.sandbox.endpoints import ENDPOINTS, Request, check_token, err
from server.sandbox.guard import require_control
from server.sandbox.state import Fault, SandboxState, sandbox_state
from server.web.errors import error_response
from server.web.runtime import current_runtime

bp = Blueprint("sandbox_api", __name__)
bp.before_request(require_control)
FAULT_MODES = ("http500", "timeout", "errcode")


def _state() -> SandboxState:
    return sandbox_state(current_app)


def _now() -> datetime:
    return current_runtime().clock.now()


@bp.get("/calls")
def list_calls():
    return jsonify(calls=_state().list_calls(request.args.get("path")))


@bp.delete("/calls")
def clear_calls():
    _state().clear_calls()
    return jsonify(ok=True)


@bp.get("/faults")
def list_faults():
    return jsonify(faults=[fault.as_dict() for fault in _state().list_faults()])


@bp.post("/faults")
def add_fault():
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return error_response("invalid_input", "请求体必须是 JSON 对象", 400)
    path, mode = str(body.get("path") or "").strip("/"), body.get("mode")
    errcode, times, delay = body.get("errcode"), body.get("times", 1), body.get("delay")
    problems = {}
    if path not in ENDPOINTS:
        problems["path"] = f"未知接口，可选：{', '.join(sorted(ENDPOINTS))}"
    if mode not in FAULT_MODES:
        problems["mode"] = "只能是 http500、timeout 或 errcode"
    if mode == "errcode" and (not isinstance(errcode, int) or isinstance(errcode, bool) or errcode == 0):
        problems["errcode"] = "errcode 模式需要一个非零整数"
    if times is not None and (not isinstance(times, int) or isinstance(times, bool) or times < 1):
        problems["times"] = "必须是正整数，或 null 表示一直有效"
    if delay is not None and (not isinstance(delay, int | float) or isinstance(delay, bool) or not 0 <= delay <= 30):
        problems["delay"] = "必须是 0 到 30 之间的秒数"
    if problems:
        return error_response("invalid_input", "故障设置不正确", 400, problems)
    fault = Fault(path=path, mode=mode, errcode=errcode if mode == "errcode" else None, times=times,
                  delay=float(delay) if delay is not None else None)
    _state().add_fault(fault)
    return jsonify(fault=fault.as_dict()), 201


@bp.delete("/faults")
def clear_faults():
    _state().clear_faults()
    return jsonify(ok=True)


@bp.post("/tokens/revoke")
def revoke_tokens():
    """As if someone reset the app secret: every token issued so far answers 40001."""
    _state().revoke_tokens(_now())
    return jsonify(ok=True)


@bp.post("/users")
def set_user():
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("openid"), str) or not body["openid"]:
        return error_response("invalid_input", "需要 openid", 400)
    state, openid = _state(), body["openid"]
    if "following" in body:
        (state.follow if body["following"] else state.unfollow)(openid)
    if "last_message_at" in body:
        try:
            state.note_message(openid, datetime.fromisoformat(body["last_message_at"]))
        except (TypeError, ValueError):
            return error_response("invalid_input", "last_message_at 必须是 ISO-8601 时间", 400)
    if "refuses_subscription" in body:
        state.refuse_subscription(openid, bool(body["refuses_subscription"]))
    return jsonify(ok=True)


@bp.post("/media")
def add_media():
    data = request.get_data() or None
    media_id = _state().add_media(data, request.content_type or "image/jpeg")
    return jsonify(media_id=media_id), 201


@bp.route("/<path:api_path>", methods=["GET", "POST"])
def wechat_api(api_path: str):
    state, now = _state(), _now()
    body = _json_body()
    started = time.monotonic()
    call: dict[str, Any] = {"time": now.isoformat(), "method": request.method, "path": api_path,
                            "query": request.args.to_dict(), "body": body, "status": None, "response": None}
    state.record(call)  # at arrival, so a call whose client timed out is listed while it still sleeps
    fault = state.take_fault(api_path)
    if fault is not None:
        response = _faulted(fault, state)
        state.complete(call, fault=fault.mode)
    elif api_path not in ENDPOINTS:
        response = Response("404 page not found", status=404, content_type="text/plain")
    else:
        needs_token, handler = ENDPOINTS[api_path]
        req = Request(state=state, now=now, query=request.args.to_dict(), body=body,
                      files={name: f.read() for name, f in request.files.items()},
                      public_url=current_runtime().settings.public_url)
        answer = (check_token(req) if needs_token else None) or handler(req)
        response = answer if isinstance(answer, Response) else jsonify(answer)
    state.complete(call, status=response.status_code, response=_describe(response),
                   duration_ms=round((time.monotonic() - started) * 1000))
    return response


def _faulted(fault: Fault, state: SandboxState) -> Response:
    if fault.mode == "timeout":
        time.sleep(fault.delay if fault.delay is not None else
                   current_app.config.get("SANDBOX_TIMEOUT_SECONDS", state.timeout_seconds))
        return jsonify(err(-1, "system error (sandbox timeout)"))
    if fault.delay:
        time.sleep(fault.delay)
    if fault.mode == "http500":
        return Response("Internal Server Error", status=500, content_type="text/plain")
    return jsonify(err(fault.errcode or -1, "sandbox injected fault"))


def _json_body() -> Any:
    """wechatpy posts JSON without a Content-Type header, so parse the raw body ourselves."""
    if request.files or request.form:
        return {"form": request.form.to_dict(), "files": {k: f.filename for k, f in request.files.items()}}
    raw = request.get_data(cache=True)
    if not raw:
        return None
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return {"raw_bytes": len(raw)}


def _describe(response: Response) -> Any:
    if response.mimetype == "application/json":
        return response.get_json(silent=True)
    return {"content_type": response.content_type, "bytes": len(response.get_data())}
