"""Outbox throughput through the sandbox with injected transient failures."""
from __future__ import annotations

from .sizes import Sizes


def available() -> str | None:
    try:
        from server.services.dispatch import dispatch_due  # noqa: F401
    except ImportError:
        return "server.services.dispatch.dispatch_due has not landed on this branch"
    return None


def run(sizes: Sizes, log) -> dict:
    pending = available()
    if pending:
        return {"status": "pending", "reason": pending}
    raise NotImplementedError
