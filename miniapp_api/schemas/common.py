"""Types shared by every schema: times with their offset, references by id and name, paging."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema, field_validator

from server.core.clock import LOCAL_ZONE

# Stored in UTC, shown in Asia/Shanghai: "2026-11-28T09:00:00+08:00".
Timestamp = Annotated[
    datetime,
    PlainSerializer(lambda moment: moment.astimezone(LOCAL_ZONE).isoformat(), return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]


class Out(BaseModel):
    """Base of response models: unknown keys are an error, so the contract cannot drift silently."""

    model_config = ConfigDict(extra="forbid")

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        for name, field in cls.model_fields.items():
            if isinstance(field.json_schema_extra, dict) and "x-label" in field.json_schema_extra:
                TEXT_LABELS[(cls.__name__, name)] = str(field.json_schema_extra["x-label"])


# What the services keep of a text is what is left after trimming whitespace (Python's, which also
# counts \x1c-\x1f and \x85): a required text needs one character that survives, and the schema says so.
NONBLANK = r"[^\s\x1c-\x1f\x85]"


# (request model name, field) -> the field's name for people, for the Chinese message of a refusal.
TEXT_LABELS: dict[tuple[str, str], str] = {}


def text_field(limit: int, *, label: str, required: bool = True) -> Any:
    """A text the services accept: at most `limit` characters, and not blank when required. `label`
    names it in the refusal ("请填写意见内容", "意见内容不能超过 2000 字（现在 2500 字）")."""
    extra = {"x-label": label}
    if required:
        return Field(min_length=1, max_length=limit, pattern=NONBLANK, json_schema_extra=extra)
    return Field(None, max_length=limit, json_schema_extra=extra)


# Database ids: positive and within a 32-bit integer column.
DbId = Annotated[int, Field(ge=1, le=2**31 - 1)]


class In(BaseModel):
    """Base of request models: unknown keys are refused and text must be storable.

    Text is checked as sent (a length limit counts what the document says it counts) and trimmed by the
    services, which give the Chinese message for a blank one."""

    model_config = ConfigDict(extra="forbid")

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        for name, field in cls.model_fields.items():
            if isinstance(field.json_schema_extra, dict) and "x-label" in field.json_schema_extra:
                TEXT_LABELS[(cls.__name__, name)] = str(field.json_schema_extra["x-label"])

    @field_validator("*", mode="after")
    @classmethod
    def _storable_text(cls, value):
        # PostgreSQL refuses NUL in text, and lone surrogates cannot be encoded: refuse both up front.
        if isinstance(value, str):
            if "\x00" in value:
                raise ValueError("text must not contain NUL characters")
            try:
                value.encode("utf-8")
            except UnicodeEncodeError as exc:
                raise ValueError("text must be valid Unicode") from exc
        return value


class Ref(Out):
    id: int
    name: str


class PageQuery(In):
    cursor: str | None = Field(None, max_length=200, description="next_cursor of the previous page")
    limit: int = Field(20, ge=1, le=100)


class Ok(Out):
    ok: bool = True
