from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from server.core.column_types import JSONType
from server.core.db import Base, UTCDateTime


class InboundMessage(Base):
    """A WeChat message or event seen once: the unique dedupe key turns WeChat's retries into no-ops,
    and the stored reply is what every retry gets back.

    `pending` marks a photo or location sent before any text: it waits (with its `payload`) for the
    text that opens a case, or a text that waits for the resident to name their street.
    """

    __tablename__ = "inbound_messages"
    __table_args__ = (Index("ix_inbound_messages_openid_pending", "openid", "pending", "received_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(128), unique=True)
    openid: Mapped[str] = mapped_column(String(64), index=True)
    msg_type: Mapped[str] = mapped_column(String(32))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    reply: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    pending: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The numbered list the reply showed ({"kind": …, "ids": […]}): a bare number sent next picks from it.
    reply_choices: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
