"""The WeChat adapter: the only package that talks to WeChat (through wechatpy 1.8.18)."""
from __future__ import annotations

from typing import Any

from server.core.settings import Settings
from server.wechat.client import MinyiWeChatClient
from server.wechat.errors import WeChatError, WeChatPermanentError, WeChatTokenError, WeChatTransientError
from server.wechat.gateway import WeChatGateway
from server.wechat.tokens import make_storage

SANDBOX_SECRET = "sandbox-secret"


def build_gateway(settings: Settings, *, redis: Any | None = None, timeout: float | None = None) -> WeChatGateway:
    """Both apps' clients at `settings.effective_wechat_api_base`, tokens in Redis when given one.

    Without real credentials the sandbox's app ids are used (the sandbox accepts any secret).
    """
    base = settings.effective_wechat_api_base
    prefix = f"{settings.redis_prefix}:wechat"
    storage = make_storage(redis, prefix)
    timeout = timeout or settings.wechat_timeout_seconds
    mp = MinyiWeChatClient(settings.wechat_app_id or settings.sandbox_app_id,
                           settings.wechat_app_secret or SANDBOX_SECRET, api_base=base, session=storage,
                           redis=redis, timeout=timeout, lock_prefix=prefix)
    miniapp = MinyiWeChatClient(settings.miniapp_app_id or f"{settings.sandbox_app_id}m",
                                settings.miniapp_app_secret or SANDBOX_SECRET, api_base=base, session=storage,
                                redis=redis, timeout=timeout, lock_prefix=prefix)
    return WeChatGateway(mp, miniapp)


__all__ = ["WeChatError", "WeChatGateway", "WeChatPermanentError", "WeChatTokenError", "WeChatTransientError",
           "build_gateway"]
