"""The 72-hour promise and the clocks that hang off it."""
from __future__ import annotations

from datetime import datetime, timedelta

from server.cases.states import OPEN_STATES, CaseState, Holder

RESPONSE_WINDOW = timedelta(hours=72)
AUTO_FORWARD_AFTER = timedelta(hours=12)
AUTO_CLOSE_AFTER = timedelta(days=7)
DEFAULT_REMINDER_HOURS = (24, 48, 66)


def deadline_for(submitted_at: datetime) -> datetime:
    return submitted_at + RESPONSE_WINDOW


def hours_left(deadline_at: datetime, now: datetime) -> int:
    """Whole hours until the deadline, never negative (what a reminder tells people)."""
    return max(0, int((deadline_at - now).total_seconds() // 3600))


def crossed_thresholds(submitted_at: datetime, now: datetime, reminder_hours: tuple[int, ...]) -> list[int]:
    """The reminder thresholds (hours since submission) that lie at or before `now`, ascending."""
    return sorted(h for h in reminder_hours if submitted_at + timedelta(hours=h) <= now)


def next_check_at(*, state: CaseState, holder: Holder, submitted_at: datetime, deadline_at: datetime,
                  resolved_at: datetime | None, overdue: bool, now: datetime,
                  reminder_hours: tuple[int, ...]) -> datetime | None:
    """The first instant after `now` at which the deadline sweep has something to do for such a case.

    None means nothing is left to do until the case changes (and every change re-plans it).
    """
    moments: list[datetime] = []
    if state == CaseState.submitted and holder == Holder.deputies:
        moments.append(submitted_at + AUTO_FORWARD_AFTER)
    if state in OPEN_STATES:
        moments.extend(submitted_at + timedelta(hours=h) for h in reminder_hours)
        if not overdue:
            moments.append(deadline_at)
    if state == CaseState.resolved and resolved_at is not None:
        moments.append(resolved_at + AUTO_CLOSE_AFTER)
    return min((moment for moment in moments if moment > now), default=None)
