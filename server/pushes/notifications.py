"""Writing pushes to the outbox, in the transaction of the change that causes them.

Features decide who hears about what (the case engine: whoever holds the case; the halls: a topic's
participants and audience) and hand the people to `push_to`, the one fan-out.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Insert
from sqlalchemy.orm import Session

from server.core.db import insert_for
from server.pushes.models import OutboxMessage
from server.pushes.states import OutboxKind, OutboxStatus


@cache
def _insert_ignoring_repeats(dialect: str) -> Insert:
    # Built once per dialect, on the table rather than the mapped class: the rows go in as parameters of
    # one plain executemany, not through the ORM's per-row bulk-insert bookkeeping.
    insert = insert_for(dialect)
    return insert(OutboxMessage.__table__).on_conflict_do_nothing()


def _row(kind: OutboxKind | str, recipient_id: int | None, now: datetime, payload: dict[str, Any] | None,
         case_id: int | None, dedupe_key: str | None) -> dict[str, Any]:
    return dict(kind=OutboxKind(kind), recipient_id=recipient_id, case_id=case_id, payload=payload or {},
                dedupe_key=dedupe_key, status=OutboxStatus.pending, attempts=0, available_at=now, created_at=now)


def _enqueue_many(session: Session, rows: list[dict[str, Any]]) -> None:
    """Add rows built by `_row` in one statement; repeated dedupe_keys are ignored."""
    if rows:
        session.execute(_insert_ignoring_repeats(session.get_bind().dialect.name), rows)


def enqueue(session: Session, *, kind: OutboxKind | str, recipient_id: int | None, now: datetime,
            payload: dict[str, Any] | None = None, case_id: int | None = None,
            dedupe_key: str | None = None) -> None:
    """Add one row; a repeated dedupe_key is ignored, so retried work never pushes twice."""
    _enqueue_many(session, [_row(kind, recipient_id, now, payload, case_id, dedupe_key)])


def push_to(session: Session, people: Iterable[int], *, kind: OutboxKind | str, now: datetime, subject_id: int,
            payload: dict[str, Any], dedupe: str | None, case_id: int | None = None) -> int:
    """The same push about one subject (a case, a topic) to each of `people`, in one statement; returns
    how many were written. With `dedupe` each row's key is `kind:subject_id:person:dedupe`, so the work
    that pushed can be retried without pushing twice."""
    rows = [_row(kind, person_id, now, payload, case_id,
                 f"{kind}:{subject_id}:{person_id}:{dedupe}" if dedupe is not None else None)
            for person_id in people]
    _enqueue_many(session, rows)
    return len(rows)
