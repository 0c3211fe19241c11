"""Request ids and logs: one id per request, in the access line and in every line logged while serving it.

`RequestLog` wraps the app (in `create_app`, so gunicorn, waitress and the test client all get it): it
takes the id nginx set (`X-Request-Id: $request_id`) when it looks like one, else makes one, keeps it in
a context variable while the request is served, returns it as `X-Request-Id`, and logs one access line
once the response is sent (query strings left out: WeChat's carry signatures). `configure_logging` puts
the id on every record and writes either text (`minyi serve` on a laptop) or one JSON object per line
(`MINYI_LOG_FORMAT=json`, for journald and a log shipper).
"""
from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

log = logging.getLogger("minyi.access")

HEADER = "X-Request-Id"
_ENVIRON_KEY = "HTTP_X_REQUEST_ID"
_ACCEPTED = re.compile(r"[A-Za-z0-9._:-]{8,64}")  # what we take from the proxy; anything else is replaced
request_id: ContextVar[str] = ContextVar("minyi_request_id", default="-")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s [%(request_id)s]"
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime", "request_id"}


def current_request_id() -> str:
    """The id of the request being served by this thread ("-" outside a request)."""
    return request_id.get()


class RequestLog:
    """WSGI middleware: the request id and the access line (`GET /path 200 12 ms`)."""

    def __init__(self, app: Callable) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        started = time.perf_counter()
        offered = environ.get(_ENVIRON_KEY, "")
        rid = offered if _ACCEPTED.fullmatch(offered) else uuid.uuid4().hex
        environ[_ENVIRON_KEY] = rid
        token = request_id.set(rid)
        status: list[str] = ["-"]

        def recording_start_response(code: str, headers: list, exc_info: Any = None):
            status[0] = code.split(" ", 1)[0]
            headers = [(name, value) for name, value in headers if name.lower() != "x-request-id"]
            headers.append((HEADER, rid))
            return start_response(code, headers, exc_info) if exc_info else start_response(code, headers)

        try:
            body = self.app(environ, recording_start_response)
            try:
                yield from body
            finally:
                close = getattr(body, "close", None)
                if close is not None:
                    close()
        finally:
            milliseconds = (time.perf_counter() - started) * 1000
            log.info("%s %s %s %.0f ms", environ.get("REQUEST_METHOD"), environ.get("PATH_INFO"), status[0],
                     milliseconds, extra={"method": environ.get("REQUEST_METHOD"), "path": environ.get("PATH_INFO"),
                                          "status": int(status[0]) if status[0].isdigit() else None,
                                          "ms": round(milliseconds, 1)})
            try:
                request_id.reset(token)
            except ValueError:  # the body was closed from another context (garbage collected elsewhere)
                request_id.set("-")


class RequestIdFilter(logging.Filter):
    """Puts the current request id on every record (as `request_id`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, extra fields, traceback."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname, "logger": record.name, "message": record.getMessage(),
            "request_id": getattr(record, "request_id", request_id.get())}
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def log_handler(fmt: str = "text", stream: Any = None) -> logging.Handler:
    """A handler writing `fmt` ("text" or "json") with the request id on every line."""
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    return handler


def configure_logging(fmt: str = "text", level: int = logging.INFO) -> None:
    """The root logger of a `minyi` process (serve, scheduler, gunicorn workers): one handler, our format."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "minyi", False):
            root.removeHandler(handler)
    handler = log_handler(fmt)
    handler.minyi = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # not a line per job run every few seconds
