"""The one check for what people type: trimmed, present when required, within its length limit."""
from __future__ import annotations

from server.core.errors import ValidationError


def clean_text(value: str | None, *, field: str, limit: int, required: bool = True) -> str | None:
    """`value` without surrounding whitespace, or None when empty and not required; ValidationError
    naming the field (请填写… / …不能超过 N 字) otherwise."""
    value = (value or "").strip()
    if required and not value:
        raise ValidationError(f"请填写{field}", details={"field": field})
    if len(value) > limit:
        raise ValidationError(f"{field}不能超过 {limit} 字（现在 {len(value)} 字）",
                              details={"field": field, "limit": limit, "length": len(value)})
    return value or None
