"""The district's administrative actions: one row each, never updated (the audit log)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.audit.rules import StaffAction
from server.core.column_types import JSONType, enum_column
from server.core.db import Base, UTCDateTime


class StaffActionRecord(Base):
    __tablename__ = "staff_actions"
    __table_args__ = (
        Index("ix_staff_actions_created_at", "created_at"),
        Index("ix_staff_actions_actor_id_created_at", "actor_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    actor_name: Mapped[str] = mapped_column(String(64))
    actor_role: Mapped[str] = mapped_column(String(32))
    action: Mapped[StaffAction] = mapped_column(enum_column(StaffAction))
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int | None] = mapped_column(Integer)
    subject_label: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
