"""What can go wrong when calling WeChat, sorted by what the caller should do about it.

- WeChatTransientError: try again later (network, timeout, HTTP 5xx, quota and rate limits).
- WeChatTokenError: the access token was refused even after one refresh, or WeChat would not issue
  one (a configuration problem: secret, IP allow-list); try again later.
- WeChatPermanentError: retrying cannot help (the user does not follow, refused, bad openid ...).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import requests
from wechatpy.exceptions import WeChatClientException

T = TypeVar("T")

# Codes that mean "the access token is invalid or expired": refresh once, then give up.
TOKEN_ERRCODES = frozenset({40001, 40014, 42001})
# Codes that mean "busy or over quota": back off and retry.
TRANSIENT_ERRCODES = frozenset({-1, 45009, 45011, 45033, 45035})


class WeChatError(Exception):
    """Base class; `errcode` is WeChat's code (None for network and HTTP failures), `api` the path."""

    def __init__(self, message: str, *, errcode: int | None = None, api: str = "",
                 http_status: int | None = None) -> None:
        super().__init__(message)
        self.errcode = errcode
        self.api = api
        self.http_status = http_status

    def __str__(self) -> str:
        code = f" errcode={self.errcode}" if self.errcode is not None else ""
        status = f" http={self.http_status}" if self.http_status is not None else ""
        return f"{self.api}:{code}{status} {self.args[0]}".strip()


class WeChatTransientError(WeChatError):
    """Network trouble, a timeout, HTTP 5xx or a quota/rate code: the same call may succeed later."""


class WeChatTokenError(WeChatError):
    """40001/42001/40014 persisted after one token refresh, or stable_token refused to issue a token."""


class WeChatPermanentError(WeChatError):
    """WeChat refused the call for a reason a retry cannot fix (43004, 43101, 40003, 45015, 40029, 47003 ...)."""


def error_for_errcode(errcode: int, errmsg: str, api: str) -> WeChatError:
    """Sort one errcode answer; unknown codes count as permanent so they reach a human, not a retry loop."""
    if errcode in TOKEN_ERRCODES:
        return WeChatTokenError(errmsg, errcode=errcode, api=api)
    if errcode in TRANSIENT_ERRCODES:
        return WeChatTransientError(errmsg, errcode=errcode, api=api)
    return WeChatPermanentError(errmsg, errcode=errcode, api=api)


def error_for_http_status(status: int, api: str) -> WeChatError:
    """5xx and 429 pass; any other HTTP failure (404, 403 ...) is a configuration problem."""
    if status >= 500 or status == 429:
        return WeChatTransientError(f"HTTP {status}", api=api, http_status=status)
    return WeChatPermanentError(f"HTTP {status}", api=api, http_status=status)


def translate_errors(api: str, send: Callable[[], T]) -> T:
    """Run one wechatpy call; turn wechatpy and requests exceptions into ours."""
    try:
        return send()
    except WeChatClientException as exc:
        if exc.errcode is None:  # wechatpy's wrapper around an HTTP error status
            status = exc.response.status_code if exc.response is not None else 0
            raise error_for_http_status(status, api) from exc
        raise error_for_errcode(int(exc.errcode), str(exc.errmsg), api) from exc
    except requests.Timeout as exc:
        raise WeChatTransientError("timed out", api=api) from exc
    except requests.RequestException as exc:
        raise WeChatTransientError(f"network error: {type(exc).__name__}", api=api) from exc
