"""Deliberation halls: topics, opinions, supports, the hall's audit log and its follow-ups."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.cases.states import Source
from server.core.column_types import JSONType, enum_column
from server.core.db import Base, UTCDateTime
from server.halls.rules import TopicAction, TopicState
from server.people.rules import Role


class Topic(Base):
    """A themed topic (专项议题) of one street, or of one community in it, open for a window of time."""

    __tablename__ = "topics"
    __table_args__ = (
        # The scheduler's sweeps: drafts due to open, open topics due to close.
        Index("ix_topics_state_opens_at", "state", "opens_at"),
        Index("ix_topics_state_closes_at", "state", "closes_at"),
        Index("ix_topics_street_id_state", "street_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(80))
    background: Mapped[str] = mapped_column(Text)
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"))
    organizer_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    state: Mapped[TopicState] = mapped_column(enum_column(TopicState))
    # A draft with opens_at opens by itself then; without it, only when an organizer opens it.
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    concluded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    extended_reason: Mapped[str | None] = mapped_column(Text)
    outcome_summary: Mapped[str | None] = mapped_column(Text)
    # The closes_at whose "closing in 24 h" push went out; an extension makes a new one due.
    closing_notice_for: Mapped[datetime | None] = mapped_column(UTCDateTime)
    qr_ticket: Mapped[str | None] = mapped_column(String(256))
    qr_url: Mapped[str | None] = mapped_column(String(512))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TopicAttachment(Base):
    __tablename__ = "topic_attachments"
    __table_args__ = (UniqueConstraint("topic_id", "attachment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id"), index=True)
    attachment_id: Mapped[int] = mapped_column(ForeignKey("attachments.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Opinion(Base):
    """A resident's opinion (意见) in a topic; hidden ones stay visible to their author with the reason."""

    __tablename__ = "opinions"
    __table_args__ = (
        Index("ix_opinions_topic_id_created_at", "topic_id", "created_at"),
        Index("ix_opinions_topic_id_support_count", "topic_id", "support_count"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    source: Mapped[Source] = mapped_column(enum_column(Source, length=16), default=Source.miniapp)
    is_council_member: Mapped[bool] = mapped_column(Boolean, default=False)
    support_count: Mapped[int] = mapped_column(Integer, default=0)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    hide_reason: Mapped[str | None] = mapped_column(Text)
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    adopted: Mapped[bool] = mapped_column(Boolean, default=False)
    reply: Mapped[str | None] = mapped_column(Text)
    replied_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The case made from this opinion; unique, so a case leads back to exactly one opinion.
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OpinionAttachment(Base):
    __tablename__ = "opinion_attachments"
    __table_args__ = (UniqueConstraint("opinion_id", "attachment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    opinion_id: Mapped[int] = mapped_column(ForeignKey("opinions.id"), index=True)
    attachment_id: Mapped[int] = mapped_column(ForeignKey("attachments.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Support(Base):
    """One resident's support (附议) of one opinion; the unique pair makes a double support impossible."""

    __tablename__ = "supports"
    __table_args__ = (UniqueConstraint("opinion_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    opinion_id: Mapped[int] = mapped_column(ForeignKey("opinions.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TopicEvent(Base):
    """The hall's audit log: every organizer action (open, extend, hide with its reason, conclude, ...)."""

    __tablename__ = "topic_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id"), index=True)
    opinion_id: Mapped[int | None] = mapped_column(ForeignKey("opinions.id"))
    action: Mapped[TopicAction] = mapped_column(enum_column(TopicAction))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    actor_role: Mapped[Role] = mapped_column(enum_column(Role))
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TopicFollowUp(Base):
    """Something the organizer commits to after a topic that is not a case (e.g. "下季度再议")."""

    __tablename__ = "topic_follow_ups"

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id"), index=True)
    opinion_id: Mapped[int | None] = mapped_column(ForeignKey("opinions.id"))
    description: Mapped[str] = mapped_column(Text)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TopicSubscription(Base):
    """A resident who opted in to hear when a topic opens in a street."""

    __tablename__ = "topic_subscriptions"
    __table_args__ = (UniqueConstraint("person_id", "street_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class HallPresence(Base):
    """Which hall a chat user is in: while present, their texts become opinions there (until 退出)."""

    __tablename__ = "hall_presences"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id"))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime)
