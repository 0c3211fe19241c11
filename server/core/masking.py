"""Masking personal numbers in texts shown in public: phone numbers, ID-card numbers, plate numbers.

Pure Python, so a page, a push or an export masks the same way. A number is only masked where it
stands alone (not inside a longer run of digits), so tracking numbers and dates are left as they are.
"""
from __future__ import annotations

import re

# 18-digit (last may be X) and old 15-digit resident ID cards.
_ID_CARD = re.compile(r"(?<!\d)(?:\d{17}[0-9Xx]|\d{15})(?![0-9A-Za-z])")
# Mobile numbers, optionally +86 / 86 first and split by spaces or hyphens (138 1234 5678).
_MOBILE = re.compile(r"(?<![\d+])((?:\+?86[ -]?)?1[3-9]\d)[ -]?(\d{4})[ -]?(\d{4})(?!\d)")
# Landlines with an area code: 0571-87654321, (0571)8765432, 057187654321.
_LANDLINE = re.compile(r"(?<!\d)(\(?0\d{2,3}\)?[ -]?)(\d{3,4})(\d{4})(?!\d)")
_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
# Ordinary (5 characters) and new-energy (6) plates: 浙A·12345, 浙A D12345, 浙a12345.
_PLATE = re.compile(rf"([{_PROVINCES}][A-Za-z])([·•. -]?)([A-HJ-NP-Za-hj-np-z0-9]{{4,5}}[A-HJ-NP-Za-hj-np-z0-9挂学警])"
                    r"(?![0-9A-Za-z])")


def _id_card(match: re.Match[str]) -> str:
    number = match.group(0)
    return number[:3] + "*" * (len(number) - 5) + number[-2:]


def _mobile(match: re.Match[str]) -> str:
    return f"{match.group(1)}****{match.group(3)}"


def _landline(match: re.Match[str]) -> str:
    return f"{match.group(1)}{'*' * len(match.group(2))}{match.group(3)}"


def _plate(match: re.Match[str]) -> str:
    rest = match.group(3)
    if not any(ch.isdigit() for ch in rest):  # "云APP…" is a word, not a plate
        return match.group(0)
    return f"{match.group(1)}{match.group(2)}{'*' * (len(rest) - 1)}{rest[-1]}"


def mask_personal(text: str | None) -> str:
    """The text with ID-card, phone and plate numbers partly replaced by asterisks."""
    if not text:
        return ""
    text = _ID_CARD.sub(_id_card, text)
    text = _MOBILE.sub(_mobile, text)
    text = _LANDLINE.sub(_landline, text)
    return _PLATE.sub(_plate, text)
