"""Who saw a reporter's contact, and who asked to be forgotten."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from server.core.column_types import enum_column
from server.core.db import Base, UTCDateTime
from server.people.rules import Role


class ContactView(Base):
    """A staff member was shown a reporter's name and phone number: by whom, whose, where, when.

    The console's audit log reads these ("谁查看了反映人的联系方式"); nothing ever updates a row."""

    __tablename__ = "contact_views"
    __table_args__ = (
        Index("ix_contact_views_reporter_id_viewed_at", "reporter_id", "viewed_at"),
        Index("ix_contact_views_viewer_id_viewed_at", "viewer_id", "viewed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    viewer_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    viewer_role: Mapped[Role] = mapped_column(enum_column(Role))
    channel: Mapped[str] = mapped_column(String(32))  # e.g. "api.case_detail", "api.case_list"
    viewed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ErasureRequest(Base):
    """A resident asked to be forgotten. Open cases keep their contact until they close; then the
    retention job finishes the erasure and sets `completed_at`."""

    __tablename__ = "erasure_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), unique=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cases_anonymised: Mapped[int] = mapped_column(Integer, default=0)
