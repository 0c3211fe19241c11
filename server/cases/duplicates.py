"""When two reports are the same problem (pure: no Flask, no SQLAlchemy).

Texts are compared after normalising (letters, digits and CJK only, lower case, full-width folded),
with rapidfuzz's ratio: residents resend a report with a word changed or punctuation added, and both
must count once.
"""
from __future__ import annotations

import math
import re
import unicodedata
from datetime import timedelta

from rapidfuzz import fuzz

SAME_REPORTER_WINDOW = timedelta(hours=24)
SIMILARITY = 85  # rapidfuzz ratio (0–100) from which two normalised texts are one report
OTHERS_WINDOW = timedelta(days=7)  # other residents' reports offered to the street office as merge candidates
NEARBY_METRES = 200
LOOSE_SIMILARITY = 70  # partial ratio for a candidate: "路灯坏了" is inside "祖庙巷口的路灯坏了好几天"


def normalise(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text or "")
    return "".join(ch for ch in folded if ch.isalnum()).lower()


def same_report(first: str, second: str) -> bool:
    """Whether two texts describe the same problem in (nearly) the same words."""
    a, b = normalise(first), normalise(second)
    if not a or not b:
        return False
    if _numbers(a) != _numbers(b):  # "3号楼" and "5号楼", "第1处" and "第2处" are different places
        return False
    return a == b or fuzz.ratio(a, b) >= SIMILARITY


def _numbers(text: str) -> list[str]:
    return re.findall(r"\d+", text)


def distance_metres(first: tuple[float, float], second: tuple[float, float]) -> float:
    """Great-circle distance between two (latitude, longitude) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*first, *second))
    a = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 6_371_000 * 2 * math.asin(math.sqrt(a))


def merge_candidate(first: str, second: str, *, same_category: bool, metres: float | None) -> str | None:
    """Why another resident's report may be the same problem ("nearby", "similar"), or None."""
    if same_category and metres is not None and metres <= NEARBY_METRES:
        return "nearby"
    a, b = normalise(first), normalise(second)
    if a and b and _numbers(a) == _numbers(b) and fuzz.partial_ratio(a, b) >= LOOSE_SIMILARITY:
        return "similar"
    return None
