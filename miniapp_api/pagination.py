"""Cursor pagination: the cursor is an opaque token of the last row's sort key and id (keyset paging)."""
from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from server.core.errors import ValidationError


class InvalidCursorError(ValidationError):
    code = "invalid_cursor"


def encode_cursor(key: tuple[Any, ...] | None) -> str | None:
    if key is None:
        return None
    return base64.urlsafe_b64encode(json.dumps(list(key), separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, arity: int = 2) -> tuple[Any, ...] | None:
    """The key a cursor carries; a cursor that was not made by encode_cursor is a clear 422."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        key = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise InvalidCursorError("分页参数无效，请从第一页重新加载") from exc
    if not isinstance(key, list) or len(key) != arity:
        raise InvalidCursorError("分页参数无效，请从第一页重新加载")
    return tuple(key)
