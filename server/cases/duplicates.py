"""When two reports are the same problem (pure: no Flask, no SQLAlchemy).

Texts are compared after normalising (letters, digits and CJK only, lower case, full-width folded),
with rapidfuzz's ratio: residents resend a report with a word changed or punctuation added, and both
must count once.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import timedelta

from rapidfuzz import fuzz

SAME_REPORTER_WINDOW = timedelta(hours=24)
SIMILARITY = 85  # rapidfuzz ratio (0–100) from which two normalised texts are one report


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
