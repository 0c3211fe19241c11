"""Column types shared by the models."""
from __future__ import annotations

from enum import StrEnum

from sqlalchemy import JSON, Enum
from sqlalchemy.dialects.postgresql import JSONB

JSONType = JSON().with_variant(JSONB(), "postgresql")


def enum_column(enum_cls: type[StrEnum], *, length: int = 32) -> Enum:
    """Store an enum as its string value (VARCHAR(length)), so adding a member needs no type migration."""
    return Enum(enum_cls, native_enum=False, length=length, values_callable=lambda cls: [m.value for m in cls],
                validate_strings=True)
