"""WeChatGateway: the only object in Minyi that talks to WeChat. One method per WeChat API.

Every method either returns WeChat's answer or raises WeChatTransientError, WeChatTokenError or
WeChatPermanentError (each with `errcode`). A 40001/42001/40014 answer causes one shared, locked
token refresh and one retry; nothing else is retried here (the outbox dispatcher decides when).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import requests
from redis.exceptions import RedisError

from server.wechat.client import MinyiWeChatClient
from server.wechat.errors import TOKEN_ERRCODES, WeChatError, WeChatTransientError, translate_errors

T = TypeVar("T")
QR_ACTIONS = ("QR_STR_SCENE", "QR_LIMIT_STR_SCENE")
MAX_TEMPORARY_QR_SECONDS = 30 * 24 * 3600


class WeChatGateway:
    """`mp` is the official account's client, `miniapp` the mini-program's (each with its own token)."""

    def __init__(self, mp: MinyiWeChatClient, miniapp: MinyiWeChatClient) -> None:
        self.mp = mp
        self.miniapp = miniapp

    # --- official account ----------------------------------------------------------------------
    def send_text(self, openid: str, content: str) -> dict[str, Any]:
        """Customer-service text (`cgi-bin/message/custom/send`); only within 48 h of the user's last message."""
        return self._call(self.mp, "cgi-bin/message/custom/send",
                          lambda: self.mp.message.send_text(openid, content))

    def send_template(self, openid: str, template_id: str, data: dict[str, Any], *, url: str | None = None,
                      miniprogram: dict[str, str] | None = None) -> dict[str, Any]:
        """Template message (`cgi-bin/message/template/send`); answers {"msgid": ...}."""
        return self._call(self.mp, "cgi-bin/message/template/send",
                          lambda: self.mp.message.send_template(openid, template_id, data, url=url,
                                                                mini_program=miniprogram))

    def send_subscribe_bizsend(self, openid: str, template_id: str, data: dict[str, Any], *,
                               page: str | None = None) -> dict[str, Any]:
        """Official-account subscription notice (`cgi-bin/message/subscribe/bizsend`)."""
        return self._call(self.mp, "cgi-bin/message/subscribe/bizsend",
                          lambda: self.mp.message.send_subscribe_message(openid, template_id, data, page=page))

    def download_media(self, media_id: str) -> bytes:
        """A temporary media file's bytes (`cgi-bin/media/get`)."""
        response = self._call(self.mp, "cgi-bin/media/get", lambda: self.mp.media.download(media_id))
        return _binary(response, "cgi-bin/media/get")

    def create_qrcode(self, scene_str: str, *, expire_seconds: int | None = 2592000,
                      permanent: bool = False) -> dict[str, Any]:
        """A parametric QR code (`cgi-bin/qrcode/create`); answers {ticket, url, expire_seconds}."""
        if not 1 <= len(scene_str) <= 64:
            raise ValueError("scene_str must have 1 to 64 characters")
        body: dict[str, Any] = {"action_name": QR_ACTIONS[1] if permanent else QR_ACTIONS[0],
                                "action_info": {"scene": {"scene_str": scene_str}}}
        if not permanent:
            body["expire_seconds"] = min(expire_seconds or MAX_TEMPORARY_QR_SECONDS, MAX_TEMPORARY_QR_SECONDS)
        result = self._call(self.mp, "cgi-bin/qrcode/create", lambda: self.mp.qrcode.create(body))
        return {"ticket": result["ticket"], "url": result.get("url"),
                "expire_seconds": result.get("expire_seconds"),
                "image_url": self.mp.qrcode.get_url(result["ticket"])}

    def create_menu(self, menu: dict[str, Any]) -> dict[str, Any]:
        """The official account's custom menu (`cgi-bin/menu/create`); replaces the whole menu."""
        return self._call(self.mp, "cgi-bin/menu/create", lambda: self.mp.menu.create(menu))

    # --- mini-program --------------------------------------------------------------------------
    def code_to_session(self, js_code: str) -> dict[str, Any]:
        """`sns/jscode2session`: {openid, session_key, unionid}. Needs no access token, so none is
        fetched (wechatpy's wxa.code_to_session would fetch one: `access_token: None` prevents it)."""
        client = self.miniapp
        params = {"appid": client.appid, "secret": client.secret, "js_code": js_code,
                  "grant_type": "authorization_code", "access_token": None}
        result = self._call(client, "sns/jscode2session",
                            lambda: client.get("sns/jscode2session", params=params,
                                               api_base_url=f"{client.api_base}/"), token=False)
        return {"openid": result["openid"], "session_key": result["session_key"],
                "unionid": result.get("unionid")}

    def send_miniapp_subscribe(self, openid: str, template_id: str, data: dict[str, Any], *,
                               page: str | None = None, miniprogram_state: str = "formal",
                               lang: str = "zh_CN") -> dict[str, Any]:
        """Mini-program subscribe message (`cgi-bin/message/subscribe/send`); wechatpy 1.8.18 lacks
        miniprogram_state and lang, so the body is posted directly."""
        body = {"touser": openid, "template_id": template_id, "data": data,
                "miniprogram_state": miniprogram_state, "lang": lang}
        if page:
            body["page"] = page
        return self._call(self.miniapp, "cgi-bin/message/subscribe/send",
                          lambda: self.miniapp.post("message/subscribe/send", data=body))

    def get_wxa_code_unlimited(self, scene: str, *, page: str | None = None, width: int = 430) -> bytes:
        """A mini-program code as PNG bytes (`wxa/getwxacodeunlimit`); scene at most 32 characters."""
        if not 1 <= len(scene) <= 32:
            raise ValueError("scene must have 1 to 32 characters")
        response = self._call(self.miniapp, "wxa/getwxacodeunlimit",
                              lambda: self.miniapp.wxa.get_wxa_code_unlimited(scene, width=width, page=page))
        return _binary(response, "wxa/getwxacodeunlimit")

    # --- the one place errors are translated ----------------------------------------------------
    def _call(self, client: MinyiWeChatClient, api: str, send: Callable[[], T], *, token: bool = True) -> T:
        if not token:
            return translate_errors(api, send)
        access_token, version = _token_storage(client.tokens.get)
        for attempt in (1, 2):
            client.pin_token(access_token)
            try:
                return translate_errors(api, send)
            except WeChatError as exc:
                if exc.errcode not in TOKEN_ERRCODES or attempt == 2:
                    raise
                access_token = _token_storage(lambda: client.tokens.refresh(past_version=version))
            finally:
                client.pin_token(None)
        raise AssertionError("unreachable")


def _token_storage(read: Callable[[], T]) -> T:
    """Redis down means no shared token: report a transient failure rather than fetch per process
    (stable_token would allow it, but then nothing bounds the fetches during the outage)."""
    try:
        return read()
    except RedisError as exc:
        raise WeChatTransientError(f"token storage unavailable: {type(exc).__name__}", api="token") from exc


def _binary(response: Any, api: str) -> bytes:
    """Media and mini-program codes come back as bytes; a JSON error was raised by wechatpy already."""
    if isinstance(response, requests.Response):
        return response.content
    raise WeChatTransientError("expected a file, got JSON without an errcode", api=api)
