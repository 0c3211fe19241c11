from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.cases.rules import CaseScope
from server.cases.states import OPEN_STATES, CaseAction, CaseState, Holder, Satisfaction, Source
from server.core.column_types import JSONType, enum_column
from server.core.db import Base, UTCDateTime
from server.people.rules import Role

# The open states as SQL, for the partial indexes the console's work lists read.
OPEN_STATES_SQL = "state IN (" + ", ".join(f"'{state.value}'" for state in sorted(OPEN_STATES)) + ")"


class Case(Base):
    """A resident's reported problem (民情民意), from submission to closing."""

    __tablename__ = "cases"
    __table_args__ = (
        # The deadline sweep: open cases ordered by when they fall due.
        Index("ix_cases_state_deadline_at", "state", "deadline_at"),
        # The deadline sweep's work queue: only cases with something still to come are in it.
        Index("ix_cases_next_check_at", "next_check_at", "id",
              postgresql_where=text("next_check_at IS NOT NULL"), sqlite_where=text("next_check_at IS NOT NULL")),
        Index("ix_cases_holder_street_id", "holder", "street_id", "state"),
        Index("ix_cases_street_id_state", "street_id", "state"),
        Index("ix_cases_handling_unit_id_state", "handling_unit_id", "state"),
        Index("ix_cases_reporter_id_submitted_at", "reporter_id", "submitted_at"),
        Index("ix_cases_submitted_at", "submitted_at"),
        # A deputy's duty record: every figure of it from one index-only scan of their cases.
        Index("ix_cases_accepted_by_id", "accepted_by_id",
              postgresql_include=["state", "satisfaction", "resolved_at"]),
        # The console's work lists: a street's, a unit's and the district's open cases by time left.
        Index("ix_cases_open_street_deadline", "street_id", "deadline_at", "id",
              postgresql_where=text(OPEN_STATES_SQL), sqlite_where=text(OPEN_STATES_SQL)),
        Index("ix_cases_open_unit_deadline", "handling_unit_id", "deadline_at", "id",
              postgresql_where=text(OPEN_STATES_SQL), sqlite_where=text(OPEN_STATES_SQL)),
        Index("ix_cases_open_deadline", "deadline_at", "id",
              postgresql_where=text(OPEN_STATES_SQL), sqlite_where=text(OPEN_STATES_SQL)),
        Index("ix_cases_assignee_id", "assignee_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_number: Mapped[str] = mapped_column(String(24), unique=True)
    state: Mapped[CaseState] = mapped_column(enum_column(CaseState))
    holder: Mapped[Holder] = mapped_column(enum_column(Holder))
    description: Mapped[str] = mapped_column(Text)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    contact_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    handling_unit_id: Mapped[int | None] = mapped_column(ForeignKey("handling_units.id"))
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    # The one person of the lead unit its head gave the case to ("mine" in the console).
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    source: Mapped[Source] = mapped_column(enum_column(Source, length=16), default=Source.miniapp)
    location_label: Mapped[str | None] = mapped_column(String(256))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deadline_at: Mapped[datetime] = mapped_column(UTCDateTime)
    forwarded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    routed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    # When the deadline sweep must look at this case next (reminder, auto-forward, 72 h, auto-close);
    # NULL: nothing left to do. Any change of state or holder sets it to "now" so the sweep re-plans.
    next_check_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    feedback: Mapped[str | None] = mapped_column(Text)
    satisfaction: Mapped[Satisfaction | None] = mapped_column(enum_column(Satisfaction))
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", order_by="CaseEvent.sequence", foreign_keys="CaseEvent.case_id"
    )

    assisting: Mapped[list[CaseAssistingUnit]] = relationship(order_by="CaseAssistingUnit.id",
                                                              cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}

    @property
    def scope(self) -> CaseScope:
        return CaseScope(state=self.state, reporter_id=self.reporter_id, street_id=self.street_id,
                         community_id=self.community_id, unit_id=self.handling_unit_id,
                         assisting_unit_ids=frozenset(link.unit_id for link in self.assisting))


class CaseAssistingUnit(Base):
    """A unit that helps the lead unit with a case (协办): it sees the case; only the lead resolves it."""

    __tablename__ = "case_assisting_units"
    __table_args__ = (UniqueConstraint("case_id", "unit_id"),
                      Index("ix_case_assisting_units_unit_id", "unit_id", "case_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("handling_units.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CaseEvent(Base):
    """One step of a case's timeline; together they are its audit log."""

    __tablename__ = "case_events"
    __table_args__ = (
        UniqueConstraint("case_id", "sequence"),
        # A deputy's duty record counts their forwards (several events per case: a big table).
        Index("ix_case_events_actor_id_action", "actor_id", "action"),
        # The roll-ups and the district's audit log read the newest steps first.
        Index("ix_case_events_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    sequence: Mapped[int] = mapped_column(Integer)
    action: Mapped[CaseAction] = mapped_column(enum_column(CaseAction))
    from_state: Mapped[CaseState | None] = mapped_column(enum_column(CaseState))
    to_state: Mapped[CaseState] = mapped_column(enum_column(CaseState))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    actor_role: Mapped[Role] = mapped_column(enum_column(Role))
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    case: Mapped[Case] = relationship(back_populates="events", foreign_keys=[case_id])


class TrackingCounter(Base):
    """Last tracking sequence handed out per local day; bumped atomically with an upsert."""

    __tablename__ = "tracking_counters"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer)


class CaseReminder(Base):
    """A reminder claimed for (case, threshold): the unique key is what makes it at-most-once."""

    __tablename__ = "case_reminders"
    __table_args__ = (UniqueConstraint("case_id", "threshold_hours"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    threshold_hours: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Pushes written for this claim: 0 when a later threshold or the 72-hour deadline superseded it.
    pushes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class CaseAttachment(Base):
    """A photo on a case: from the report (`report`) or from the unit's feedback (`feedback`)."""

    __tablename__ = "case_attachments"
    __table_args__ = (UniqueConstraint("case_id", "attachment_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    attachment_id: Mapped[int] = mapped_column(ForeignKey("attachments.id"))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("case_events.id"))
    kind: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
