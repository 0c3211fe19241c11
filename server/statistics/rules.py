"""The panoramic window's arithmetic and the general ranking engine (赛马晾晒), in pure Python.

The ranking engine knows nothing of streets or cases: subjects with figures, criteria with weights,
and colour bands of the composite score. Streets and units are ranked with it here; the villages of
the Fuyang law-reporting sessions (法治满意度) will be ranked with the same functions.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from server.places.rules import Platform

PLATFORMS: tuple[Platform, ...] = tuple(Platform)  # member_id of a platform row = position + 1 (0: none)
DIMENSIONS = ("street", "community", "category", "unit", "platform")
RESPONSE_HOURS = 12
RESOLUTION_HOURS = 72
MAX_HISTOGRAM_HOURS = 24 * 60  # slower resolutions are counted in this last bucket

# Measures summed across roll-up rows (the columns of `CaseDayFigures`).
MEASURES = ("received", "responded_12h", "rejected", "resolved", "resolved_72h", "open", "overdue",
            "open_overdue", "escalated", "reopened", "rated", "satisfied", "resolved_on_day")


def platform_member(platform: str | None) -> int:
    return PLATFORMS.index(Platform(platform)) + 1 if platform else 0


def ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def hours_bucket(hours: float) -> int:
    """Whole hours (rounded), the unit of the median and p90."""
    return min(MAX_HISTOGRAM_HOURS, max(0, round(hours)))


def merge_histograms(histograms: Iterable[Mapping[str, int]]) -> dict[int, int]:
    merged: dict[int, int] = {}
    for histogram in histograms:
        for hours, count in (histogram or {}).items():
            merged[int(hours)] = merged.get(int(hours), 0) + int(count)
    return merged


def percentile(histogram: Mapping[int, int], share: float) -> int | None:
    """Nearest-rank percentile: the smallest value with at least `share` of the cases at or below it."""
    total = sum(histogram.values())
    if not total:
        return None
    needed = max(1, math.ceil(share * total))
    seen = 0
    for hours in sorted(histogram):
        seen += histogram[hours]
        if seen >= needed:
            return hours
    return max(histogram)


def rates(totals: Mapping[str, int]) -> dict[str, float | None]:
    """The three published rates from summed measures.

    - response rate (响应率): first response (accepted, routed or answered) within 12 h / received;
    - resolution rate (按期办结率): resolved within 72 h / cases that are due — resolved, or still open
      past 72 h (a case inside its 72 hours is not yet counted either way; a rejected one never is);
    - satisfaction rate (满意率): 满意 + 基本满意 / rated.
    """
    return {
        "response_rate": ratio(totals.get("responded_12h", 0), totals.get("received", 0)),
        "resolution_rate": ratio(totals.get("resolved_72h", 0),
                                 totals.get("resolved", 0) + totals.get("open_overdue", 0)),
        "satisfaction_rate": ratio(totals.get("satisfied", 0), totals.get("rated", 0)),
    }


# ------------------------------------------------------------------ periods and trend buckets

def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def previous_month(day: date) -> date:
    return (day.replace(day=1) - timedelta(days=1)).replace(day=1)


def bucket_start(day: date, grain: str) -> date:
    if grain == "day":
        return day
    if grain == "week":
        return day - timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    raise ValueError(f"unknown grain {grain!r}")


# ------------------------------------------------------------------ the ranking engine

@dataclass(frozen=True)
class Criterion:
    figure: str   # a key of each subject's figures, a share in [0, 1] where higher is better
    weight: float


@dataclass(frozen=True)
class Bands:
    green_at: float   # composite score (0-1) at or above which a subject is green
    yellow_at: float  # … yellow; below it red; no figures at all: "none" (grey)

    def band(self, score: float | None) -> str:
        if score is None:
            return "none"
        return "green" if score >= self.green_at else "yellow" if score >= self.yellow_at else "red"


@dataclass(frozen=True)
class Subject:
    id: int
    name: str
    figures: Mapping[str, float | int | None] = field(default_factory=dict)


@dataclass(frozen=True)
class Placed:
    subject: Subject
    score: float | None
    rank: int
    band: str
    previous_rank: int | None = None

    @property
    def change(self) -> int | None:
        """Places gained since the previous board (negative: lost); None when it was not ranked then."""
        return None if self.previous_rank is None else self.previous_rank - self.rank


def check_scheme(criteria: Sequence[Criterion], bands: Bands) -> list[str]:
    """What is wrong with a scheme, in words an admin reads (empty: nothing)."""
    problems = []
    if not criteria:
        problems.append("至少需要一项指标")
    if any(c.weight < 0 or c.weight > 100 for c in criteria):
        problems.append("权重须在 0 到 100 之间")
    if criteria and sum(c.weight for c in criteria) <= 0:
        problems.append("权重之和须大于 0")
    if not (0 <= bands.yellow_at <= bands.green_at <= 1):
        problems.append("分色阈值须满足 0 ≤ 黄色 ≤ 绿色 ≤ 100%")
    return problems


def composite(figures: Mapping[str, float | int | None], criteria: Sequence[Criterion]) -> float | None:
    """Weighted mean of the figures a subject has; the weights of missing figures are left out."""
    present = [(c.weight, figures.get(c.figure)) for c in criteria if figures.get(c.figure) is not None]
    weight = sum(w for w, _ in present)
    if not present or weight <= 0:
        return None
    return round(sum(w * float(v) for w, v in present) / weight, 4)


def rank_subjects(subjects: Iterable[Subject], criteria: Sequence[Criterion], bands: Bands,
                  previous: Mapping[int, int] | None = None) -> list[Placed]:
    """Subjects by composite score, best first; equal scores share a rank (1, 2, 2, 4), no score ranks last."""
    scored = [(subject, composite(subject.figures, criteria)) for subject in subjects]
    scored.sort(key=lambda item: (item[1] is None, -(item[1] or 0), item[0].id))
    placed: list[Placed] = []
    for position, (subject, score) in enumerate(scored, start=1):
        rank = placed[-1].rank if placed and placed[-1].score == score else position
        placed.append(Placed(subject, score, rank, bands.band(score),
                             (previous or {}).get(subject.id)))
    return placed
