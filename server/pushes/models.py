from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.core.column_types import JSONType, enum_column
from server.core.db import Base, UTCDateTime
from server.pushes.states import Channel, OutboxKind, OutboxStatus


class OutboxMessage(Base):
    """A push written in the same transaction as the change that causes it; a dispatcher sends it later.

    status: pending -> sending (claimed, lease until lease_expires_at) -> sent | dead | skipped.
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_status_available_at", "status", "available_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    kind: Mapped[OutboxKind] = mapped_column(enum_column(OutboxKind, length=48))
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    status: Mapped[OutboxStatus] = mapped_column(enum_column(OutboxStatus, length=16), default=OutboxStatus.pending)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    available_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    channel: Mapped[Channel | None] = mapped_column(enum_column(Channel))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
