"""One log line per request for `minyi serve` (waitress logs none; gunicorn has --access-logfile)."""
from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

log = logging.getLogger("minyi.access")


class AccessLog:
    """WSGI middleware: `GET /path 200 12 ms` once the response has been sent (query strings left out:
    WeChat's carry signatures)."""

    def __init__(self, app: Callable) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        started = time.perf_counter()
        status: list[str] = ["-"]

        def recording_start_response(code: str, headers: list, exc_info: Any = None):
            status[0] = code.split(" ", 1)[0]
            return start_response(code, headers, exc_info) if exc_info else start_response(code, headers)

        body = self.app(environ, recording_start_response)
        try:
            yield from body
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()
            log.info("%s %s %s %.0f ms", environ.get("REQUEST_METHOD"), environ.get("PATH_INFO"), status[0],
                     (time.perf_counter() - started) * 1000)
