"""One JSON error shape for every HTTP error: {"error": {"code", "message", "details"}}.

Pages a person reads (the console) get the same message as an HTML page instead.
"""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from server.core.errors import DomainError

HTTP_MESSAGES = {
    400: "请求格式不正确", 401: "请先登录", 403: "没有权限", 404: "找不到请求的内容",
    405: "不支持该请求方法", 413: "请求内容过大", 415: "不支持的内容类型", 429: "请求过于频繁，请稍后再试",
}
HTML_PREFIXES = ("/console",)


def error_response(code: str, message: str, status: int, details: dict | None = None):
    if request and request.path.startswith(HTML_PREFIXES):
        return render_template("console/error.html", status=status, message=message), status
    response = jsonify(error={"code": code, "message": message, "details": details or {}})
    if status == 429 and details and "retry_after_seconds" in details:
        response.headers["Retry-After"] = str(details["retry_after_seconds"])
    return response, status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain_error(exc: DomainError):
        return error_response(exc.code, exc.message, exc.http_status, exc.details)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        status = exc.code or 500
        code = (exc.name or "error").lower().replace(" ", "_")
        return error_response(code, HTTP_MESSAGES.get(status, exc.description or "请求出错"), status)
