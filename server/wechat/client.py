"""wechatpy's WeChatClient, pointed at a configurable base URL and made safe to share.

wechatpy 1.8.18 hard-codes api.weixin.qq.com in four places (the client's API_BASE_URL, the wxa
group's API_BASE_URL, the token URL in fetch_access_token, and mp.weixin.qq.com for showqrcode);
we override all of them, so the local sandbox or a proxy can play WeChat. Timeouts are always set
(wechatpy's default is none) and auto_retry is off (it recurses on a persisting 40001).
"""
from __future__ import annotations

import threading
import urllib.parse
from typing import Any

import requests
from wechatpy import WeChatClient
from wechatpy.client.api import WeChatMedia, WeChatQRCode, WeChatWxa

from server.wechat.errors import WeChatPermanentError, WeChatTokenError, translate_errors
from server.wechat.tokens import SharedToken

REAL_API_BASE = "https://api.weixin.qq.com"
REAL_QRCODE_BASE = "https://mp.weixin.qq.com"


class MinyiQRCode(WeChatQRCode):
    """showqrcode lives on mp.weixin.qq.com in production, next to the API in the sandbox."""

    def get_url(self, ticket: str | dict[str, Any]) -> str:  # an instance method: the base is per client
        if isinstance(ticket, dict):
            ticket = ticket["ticket"]
        return f"{self._client.qrcode_base_url}/cgi-bin/showqrcode?ticket={urllib.parse.quote(ticket)}"

    def show(self, ticket: str | dict[str, Any]) -> requests.Response:
        return self._client._http.get(self.get_url(ticket), timeout=self._client.timeout)


class MinyiMedia(WeChatMedia):
    def get_url(self, media_id: str) -> str:
        query = urllib.parse.urlencode({"access_token": self.access_token, "media_id": media_id})
        return f"{self._client.API_BASE_URL}media/get?{query}"


class MinyiWxa(WeChatWxa):
    """The mini-program group; its API_BASE_URL is set per client instance in MinyiWeChatClient."""


class MinyiWeChatClient(WeChatClient):
    """One app (official account or mini-program) at `api_base`, its token shared through SharedToken."""

    media = MinyiMedia()
    qrcode = MinyiQRCode()
    wxa = MinyiWxa()

    def __init__(self, appid: str, secret: str, *, api_base: str, session: Any, redis: Any | None = None,
                 timeout: float = 3.0, lock_prefix: str = "minyi:wechat") -> None:
        # (connect, read): neither may hang; the token fetch uses the same through self.post.
        super().__init__(appid, secret, session=session, timeout=(timeout, timeout), auto_retry=False)
        self.api_base = api_base.rstrip("/")
        self.API_BASE_URL = f"{self.api_base}/cgi-bin/"
        self.wxa.API_BASE_URL = f"{self.api_base}/"
        self.qrcode_base_url = REAL_QRCODE_BASE if self.api_base == REAL_API_BASE else self.api_base
        self.tokens = SharedToken(self.session, appid, self._fetch_stable_token, redis=redis,
                                  lock_prefix=lock_prefix)
        self._pinned = threading.local()

    # --- tokens -------------------------------------------------------------------------------
    def _fetch_stable_token(self) -> tuple[str, int]:
        """cgi-bin/stable_token (not in wechatpy 1.8.18): unlike cgi-bin/token it does not invalidate
        the token other processes hold. `access_token: None` stops wechatpy from adding one (requests
        drops None-valued parameters), which would recurse into this very fetch.

        A refusal here (wrong secret 40125, IP not allowed 40164, bad base URL ...) is a configuration
        problem, not a problem of the message being sent: it is raised as WeChatTokenError, which
        callers retry later, so fixing the configuration lets the queued pushes through."""
        body = {"grant_type": "client_credential", "appid": self.appid, "secret": self.secret,
                "force_refresh": False}
        try:
            result = translate_errors("cgi-bin/stable_token", lambda: self.post(
                "stable_token", params={"access_token": None}, data=body))
        except WeChatPermanentError as exc:
            raise WeChatTokenError(exc.args[0], errcode=exc.errcode, api=exc.api,
                                   http_status=exc.http_status) from exc
        return result["access_token"], int(result.get("expires_in", 7200))

    def fetch_access_token(self) -> dict[str, Any]:
        """wechatpy's hook, kept working for code that calls it: a shared, locked refresh."""
        _, version = self.tokens.current()
        return {"access_token": self.tokens.refresh(past_version=version)}

    @property
    def access_token(self) -> str:
        pinned = getattr(self._pinned, "token", None)
        return pinned if pinned else self.tokens.get()[0]

    def pin_token(self, token: str | None) -> None:
        """Make this thread's next calls use exactly `token` (so a 40001 is tied to a known version)."""
        self._pinned.token = token
