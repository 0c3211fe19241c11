"""Tracking numbers residents can read aloud: MY-YYYYMMDD-NNNN, the day in Asia/Shanghai."""
from __future__ import annotations

import re
from datetime import date, datetime

from server.core.clock import LOCAL_ZONE

TRACKING_RE = re.compile(r"MY-(\d{8})-(\d{4,})", re.IGNORECASE)


def local_day(moment: datetime) -> date:
    return moment.astimezone(LOCAL_ZONE).date()


def format_tracking_number(day: date, sequence: int) -> str:
    return f"MY-{day:%Y%m%d}-{sequence:04d}"


def find_tracking_number(text: str) -> str | None:
    """The first tracking number in a chat text, normalised to upper case."""
    match = TRACKING_RE.search(text or "")
    return match.group(0).upper() if match else None
