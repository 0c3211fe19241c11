"""The 72-hour promise and the clocks that hang off it."""
from __future__ import annotations

from datetime import datetime, timedelta

RESPONSE_WINDOW = timedelta(hours=72)
AUTO_FORWARD_AFTER = timedelta(hours=12)
AUTO_CLOSE_AFTER = timedelta(days=7)
DEFAULT_REMINDER_HOURS = (24, 48, 66)


def deadline_for(submitted_at: datetime) -> datetime:
    return submitted_at + RESPONSE_WINDOW


def hours_left(deadline_at: datetime, now: datetime) -> int:
    """Whole hours until the deadline, never negative (what a reminder tells people)."""
    return max(0, int((deadline_at - now).total_seconds() // 3600))
