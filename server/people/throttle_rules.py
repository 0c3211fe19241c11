"""How long a sign-in key must wait after failed attempts (pure).

The server never sleeps on a request (a sleeping worker is a worker an attacker holds): it refuses
attempts until the wait has passed. The wait doubles from the third failure and a key is locked for
a quarter of an hour after ten (per account) or thirty (per address: an office's staff share one NAT).
"""
from __future__ import annotations

from datetime import timedelta

FREE_FAILURES = 2
MAX_WAIT = timedelta(seconds=60)
LOCKOUT = timedelta(minutes=15)
ACCOUNT_LOCK_AFTER = 10
ADDRESS_LOCK_AFTER = 30
FORGET_AFTER = timedelta(hours=1)  # a quiet hour and the count starts again


def wait_after(failures: int, *, lock_after: int) -> timedelta:
    """The wait before the next attempt once `failures` attempts in a row have failed."""
    if failures >= lock_after:
        return LOCKOUT
    if failures <= FREE_FAILURES:
        return timedelta(0)
    return min(timedelta(seconds=2 ** (failures - FREE_FAILURES - 1)), MAX_WAIT)


def account_key(username: str) -> str:
    return "user:" + username.strip().casefold()[:100]


def address_key(address: str | None) -> str:
    return "addr:" + (address or "unknown")[:100]


def lock_after(key: str) -> int:
    return ACCOUNT_LOCK_AFTER if key.startswith("user:") else ADDRESS_LOCK_AFTER
