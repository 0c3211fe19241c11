"""Deputy work as the API shows it: stations, a resident's deputies, reception days, the duty record."""
from __future__ import annotations

from datetime import date

from pydantic import ConfigDict, Field

from miniapp_api.schemas.common import DbId, In, Out, Timestamp
from server.deputies.rules import EntryKind, ReceptionState

PhotoIds = Field(default_factory=list, max_length=9, description="ids from POST /api/v1/uploads (yours)")
Year = Field(None, ge=2000, le=2100, description="the year (Asia/Shanghai); this year when left out")


class StationPath(In):
    station_id: DbId


class DeputyPath(In):
    deputy_id: DbId


class ReceptionPath(In):
    reception_id: DbId


class VisitPath(In):
    visit_id: DbId


class MatterPath(In):
    matter_id: DbId


class StationQuery(In):
    street_id: DbId | None = None


class StationOut(Out):
    id: int
    name: str
    street_id: int
    street_name: str
    community_name: str | None
    address: str
    opening_hours: str
    phone: str | None


class StationList(Out):
    items: list[StationOut]


class CreateStationIn(In):
    street_id: DbId
    name: str = Field(min_length=1, max_length=80)
    address: str = Field(min_length=1, max_length=200)
    opening_hours: str = Field(min_length=1, max_length=200)
    community_id: DbId | None = None
    phone: str | None = Field(None, max_length=32)


class EditStationIn(In):
    name: str | None = Field(None, min_length=1, max_length=80)
    address: str | None = Field(None, min_length=1, max_length=200)
    opening_hours: str | None = Field(None, min_length=1, max_length=200)
    community_id: DbId | None = None
    phone: str | None = Field(None, max_length=32)


class PublicDeputy(Out):
    name: str
    title: str


class ReceptionSummary(Out):
    id: int
    station_id: int
    station_name: str
    address: str
    street_id: int
    topic: str | None
    starts_at: Timestamp
    ends_at: Timestamp
    when: str = Field(description="e.g. 12月5日（周六）09:00-11:00, Beijing time")
    state: ReceptionState
    state_label: str
    deputy_names: list[str]


class StationPage(StationOut):
    deputies: list[PublicDeputy]
    receptions: list[ReceptionSummary]
    computed_at: Timestamp


class Slot(Out):
    starts_at: Timestamp
    booked: int
    free: int


class NextReception(ReceptionSummary):
    slots: list[Slot]


class DeputyOut(Out):
    id: int
    name: str
    title: str
    station_id: int | None
    station_name: str | None
    introduction: str | None
    community_ids: list[int]


class StreetRef(Out):
    id: int
    name: str


class MyDeputies(Out):
    street: StreetRef | None
    deputies: list[DeputyOut]
    next_reception: NextReception | None
    stations: list[StationOut]
    subscribed: bool = Field(description="told of new reception days in the street")


class DeputyList(Out):
    items: list[DeputyOut]


class DeputyProfileIn(In):
    title: str | None = Field(None, min_length=1, max_length=64)
    station_id: DbId | None = None
    introduction: str | None = Field(None, max_length=500)
    community_ids: list[DbId] | None = Field(None, max_length=50)


class ReceptionListQuery(In):
    state: ReceptionState | None = None
    mine: bool = Field(False, description="only my days on duty (deputies)")
    upcoming: bool = Field(False, description="only days not yet over, soonest first")
    limit: int = Field(20, ge=1, le=100)
    offset: int = Field(0, ge=0, le=100000)


class ReceptionPage(Out):
    items: list[ReceptionSummary]
    total: int


class ScheduleIn(In):
    station_id: DbId
    starts_at: Timestamp = Field(description="without an offset: Beijing time")
    ends_at: Timestamp
    deputy_ids: list[DbId] = Field(min_length=1, max_length=10)
    slot_minutes: int = Field(30, ge=10, le=240)
    slot_capacity: int = Field(3, ge=1, le=50)
    topic: str | None = Field(None, max_length=120)


class CancelIn(In):
    reason: str = Field(min_length=1, max_length=500)


class BookingIn(In):
    # A slot, a question, or both: said in the schema so that clients (and the contract test) know it.
    model_config = ConfigDict(json_schema_extra={"anyOf": [
        {"required": ["slot_at"], "properties": {"slot_at": {"type": "string"}}},
        {"required": ["question"], "properties": {"question": {"type": "string", "pattern": "\\S"}}}]})

    slot_at: Timestamp | None = Field(None, description="one of the day's slots; leave out to only leave a question")
    question: str | None = Field(None, max_length=1000)


class BookingOut(Out):
    id: int
    slot_at: Timestamp | None
    question: str | None


class StaffBooking(BookingOut):
    person_name: str
    phone: str | None
    visited: bool


class MatterOut(Out):
    id: int
    text: str
    deputy_id: int
    case_id: int | None
    tracking_number: str | None


class VisitOut(Out):
    id: int
    person_name: str
    phone: str | None
    booking_id: int | None
    created_at: Timestamp
    matters: list[MatterOut]


class TimelineEntry(Out):
    action: str
    action_label: str
    actor_name: str
    note: str | None
    created_at: Timestamp


class ReceptionDetail(ReceptionSummary):
    slots: list[Slot]
    slot_minutes: int
    slot_capacity: int
    cancel_reason: str | None
    summary: str | None
    my_booking: BookingOut | None
    bookings: list[StaffBooking] = Field(description="staff only")
    visits: list[VisitOut] = Field(description="staff only")
    timeline: list[TimelineEntry] = Field(description="staff only, newest first")


class VisitIn(In):
    booking_id: DbId | None = Field(None, description="the resident came on their booking")
    visitor_name: str | None = Field(None, min_length=1, max_length=32, description="a walk-in")
    phone: str | None = Field(None, max_length=32)
    community_id: DbId | None = None
    matters: list[str] = Field(default_factory=list, max_length=20)


class MatterIn(In):
    text: str = Field(min_length=1, max_length=2000)
    deputy_id: DbId | None = Field(None, description="the deputy on duty who heard it (street office only)")


class MatterCaseIn(In):
    category_id: DbId | None = None
    contact_consent: bool = False


class ReceptionCaseRef(Out):
    case_id: int
    tracking_number: str


class CloseIn(In):
    summary: str | None = Field(None, max_length=2000)


class ReceptionSubscriptionOut(Out):
    subscribed: bool
    street: StreetRef | None


class YearQuery(In):
    year: int | None = Year


class RankingQuery(In):
    year: int | None = Year
    street_id: DbId | None = None


class Figure(Out):
    key: str
    label: str
    value: int
    weight: float


class DeputyHeading(Out):
    id: int
    name: str
    title: str
    street_name: str
    station_name: str | None


class ReceptionOnDuty(Out):
    id: int
    starts_at: Timestamp
    station_name: str
    state: ReceptionState
    state_label: str
    topic: str | None
    visits: int


class EntryOut(Out):
    id: int
    kind: EntryKind
    kind_label: str
    title: str
    happened_on: date
    place: str | None
    note: str | None
    photo_ids: list[int]


class DutyRecordOut(Out):
    deputy: DeputyHeading
    year: int
    figures: list[Figure]
    median_hours_to_accept: float | None
    score: float
    formula: str
    receptions: list[ReceptionOnDuty]
    entries: list[EntryOut]
    computed_at: Timestamp


class EntryIn(In):
    kind: EntryKind
    title: str = Field(min_length=1, max_length=120)
    happened_on: date
    place: str | None = Field(None, max_length=120)
    note: str | None = Field(None, max_length=2000)
    attachment_ids: list[DbId] = PhotoIds


class RankingRow(Out):
    rank: int
    deputy_id: int
    name: str
    street_name: str
    score: float
    figures: dict[str, int]


class RankingOut(Out):
    year: int
    items: list[RankingRow]
    formula: str
    labels: dict[str, str]
    computed_at: Timestamp


class Weight(Out):
    key: str
    label: str
    weight: float


class WeightsOut(Out):
    weights: list[Weight]
    formula: str


class WeightsIn(In):
    weights: dict[str, float] = Field(min_length=1, max_length=50,
                                      description="figure key -> weight from 0 to 100")


