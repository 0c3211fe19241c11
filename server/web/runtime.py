"""The one way an entry point (web page, webhook, API, sandbox) reaches the app's runtime."""
from __future__ import annotations

from flask import current_app

from server.core.runtime import Runtime

EXTENSION_KEY = "minyi"


def current_runtime() -> Runtime:
    """The runtime `create_app` built: settings, clock, units of work, WeChat gateway."""
    return current_app.extensions[EXTENSION_KEY]
