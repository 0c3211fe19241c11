"""Deputy work (代表工作): contact stations, deputies' profiles, reception days, the duty record's own
entries, the score's weights and one audit log for all of them."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.core.column_types import JSONType, enum_column
from server.core.db import Base, UTCDateTime
from server.deputies.rules import BookingState, EntryKind, ReceptionState
from server.people.rules import Role


class ContactStation(Base):
    """A deputies' contact station (代表联络站) of one street: where residents meet their deputies."""

    __tablename__ = "contact_stations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"), index=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"))
    address: Mapped[str] = mapped_column(String(200))
    opening_hours: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(32))  # the station's desk, never a deputy's own
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DeputyProfile(Base):
    """What a deputy's Person row does not hold: their station, title and introduction."""

    __tablename__ = "deputy_profiles"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    station_id: Mapped[int | None] = mapped_column(ForeignKey("contact_stations.id"), index=True)
    title: Mapped[str] = mapped_column(String(64))  # e.g. 区人大代表
    introduction: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DeputyCommunity(Base):
    """One community of a deputy's constituency (选区); a deputy of a street without rows here covers all."""

    __tablename__ = "deputy_communities"
    __table_args__ = (UniqueConstraint("person_id", "community_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)


class ReceptionDay(Base):
    """A reception day (接待日 / 代表进站) at a station: a time window cut into bookable slots."""

    __tablename__ = "reception_days"
    __table_args__ = (
        Index("ix_reception_days_street_id_starts_at", "street_id", "starts_at"),
        Index("ix_reception_days_state_starts_at", "state", "starts_at"),
        Index("ix_reception_days_station_id_starts_at", "station_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("contact_stations.id"))
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"))
    topic: Mapped[str | None] = mapped_column(String(120))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    slot_minutes: Mapped[int] = mapped_column(Integer)
    slot_capacity: Mapped[int] = mapped_column(Integer)
    state: Mapped[ReceptionState] = mapped_column(enum_column(ReceptionState, length=16))
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    summary: Mapped[str | None] = mapped_column(Text)
    scheduled_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    # When the day-before reminder went out (the job claims it by setting this).
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    held_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ReceptionDuty(Base):
    """A deputy on duty at a reception day."""

    __tablename__ = "reception_duties"
    __table_args__ = (UniqueConstraint("reception_id", "deputy_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reception_id: Mapped[int] = mapped_column(ForeignKey("reception_days.id"))
    deputy_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)


class ReceptionBooking(Base):
    """A resident's booking of a slot, or a question left beforehand (slot_at None); one per resident
    and day, so a retried request never books twice."""

    __tablename__ = "reception_bookings"
    __table_args__ = (UniqueConstraint("reception_id", "person_id"),
                      Index("ix_reception_bookings_reception_id_slot_at", "reception_id", "slot_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    reception_id: Mapped[int] = mapped_column(ForeignKey("reception_days.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    slot_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    question: Mapped[str | None] = mapped_column(Text)
    state: Mapped[BookingState] = mapped_column(enum_column(BookingState, length=16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ReceptionVisit(Base):
    """Someone who came to a reception day (a registered resident, or a walk-in recorded by name)."""

    __tablename__ = "reception_visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    reception_id: Mapped[int] = mapped_column(ForeignKey("reception_days.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("reception_bookings.id"), unique=True)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ReceptionMatter(Base):
    """A matter raised at a reception day; `case_id` once it became a case in the 72-hour loop."""

    __tablename__ = "reception_matters"

    id: Mapped[int] = mapped_column(primary_key=True)
    reception_id: Mapped[int] = mapped_column(ForeignKey("reception_days.id"), index=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("reception_visits.id"), index=True)
    deputy_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ReceptionSubscription(Base):
    """A resident who opted in to hear of reception days in a street."""

    __tablename__ = "reception_subscriptions"
    __table_args__ = (UniqueConstraint("person_id", "street_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DutyEntry(Base):
    """Something a deputy did that the system cannot see (a meeting, training, a visit), with photos."""

    __tablename__ = "duty_entries"
    __table_args__ = (Index("ix_duty_entries_deputy_id_happened_on", "deputy_id", "happened_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    deputy_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    kind: Mapped[EntryKind] = mapped_column(enum_column(EntryKind, length=16))
    title: Mapped[str] = mapped_column(String(120))
    happened_on: Mapped[date] = mapped_column(Date)
    place: Mapped[str | None] = mapped_column(String(120))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DutyEntryPhoto(Base):
    __tablename__ = "duty_entry_photos"
    __table_args__ = (UniqueConstraint("entry_id", "attachment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("duty_entries.id"), index=True)
    attachment_id: Mapped[int] = mapped_column(ForeignKey("attachments.id"))


class DutyWeight(Base):
    """One weight of the published duty-score formula (rules.SCORE_ITEMS); missing rows use the defaults."""

    __tablename__ = "duty_weights"

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    weight: Mapped[float] = mapped_column(Float)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DeputyEvent(Base):
    """The module's audit log: every change of a station, profile, reception day, entry or weight, as
    one step of that object's timeline (subject, subject_id)."""

    __tablename__ = "deputy_events"
    __table_args__ = (Index("ix_deputy_events_subject_subject_id", "subject", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(16))  # station | profile | reception | entry | weights
    subject_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    actor_role: Mapped[Role] = mapped_column(enum_column(Role))
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
