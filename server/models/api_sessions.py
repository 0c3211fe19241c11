from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, UTCDateTime


class ApiSession(Base):
    """One signed-in client (mini-program or console): the row access tokens point at.

    Revoking the row (logout, a disabled account, a reused refresh token) ends every token issued for
    it at once. Only the SHA-256 of the refresh token is kept; the WeChat session_key never leaves here.
    """

    __tablename__ = "api_sessions"
    __table_args__ = (Index("ix_api_sessions_person_id_revoked_at", "person_id", "revoked_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    method: Mapped[str] = mapped_column(String(16))  # "wechat" | "password"
    refresh_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    wechat_openid: Mapped[str | None] = mapped_column(String(64))
    wechat_session_key: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    refreshed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(String(32))


class AttachmentUpload(Base):
    """Who uploaded an attachment: only the uploader may attach it to a case or see it before that."""

    __tablename__ = "attachment_uploads"
    __table_args__ = (UniqueConstraint("attachment_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attachment_id: Mapped[int] = mapped_column(ForeignKey("attachments.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
