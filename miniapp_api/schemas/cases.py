"""Cases as the API shows them, and the bodies of the actions on them."""
from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from miniapp_api.schemas.common import NONBLANK, DbId, In, Out, PageQuery, Ref, Timestamp, text_field
from server.cases.states import CaseState, Satisfaction

PhotoIds = Field(default_factory=list, max_length=9, description="ids from POST /api/v1/uploads (yours)")


class CasePath(In):
    case_id: DbId


class LocationIn(In):
    label: str | None = Field(None, max_length=256)
    # Strict: JSON true/false is not a coordinate.
    latitude: float | None = Field(None, ge=-90, le=90, strict=True)
    longitude: float | None = Field(None, ge=-180, le=180, strict=True)


class LocationOut(Out):
    label: str | None
    latitude: float | None
    longitude: float | None


class SubmitCaseIn(In):
    description: str = text_field(2000, label="问题描述")
    category_id: DbId | None = None
    street_id: DbId | None = None
    community_id: DbId | None = None
    location: LocationIn | None = None
    attachment_ids: list[DbId] = PhotoIds
    contact_consent: bool = Field(False, description="the resident agrees that the handling unit may contact them")


class CaseListQuery(PageQuery):
    state: CaseState | None = None
    overdue: bool | None = None
    category_id: DbId | None = None
    order: Literal["submitted", "deadline"] = Field("submitted", description="newest first, or soonest deadline")


class InboxQuery(PageQuery):
    pass


class Reporter(Out):
    id: int
    name: str
    phone: str | None


class AttachmentOut(Out):
    id: int
    kind: str = Field(description="report (from the resident) or feedback (from the handling unit)")
    content_type: str
    width: int | None
    height: int | None
    url: str


class CaseSummary(Out):
    id: int
    tracking_number: str
    state: CaseState
    state_label: str
    holder: str
    description: str
    category: Ref | None
    street: Ref
    community: Ref | None
    handling_unit: Ref | None
    location: LocationOut | None
    submitted_at: Timestamp
    deadline_at: Timestamp
    accepted_at: Timestamp | None
    routed_at: Timestamp | None
    resolved_at: Timestamp | None
    closed_at: Timestamp | None
    escalated_at: Timestamp | None
    overdue: bool
    feedback: str | None
    satisfaction: Satisfaction | None
    reopen_count: int
    contact_consent: bool
    reporter: Reporter | None = Field(description="null when the caller may not see who reported")


class TimelineEvent(Out):
    sequence: int
    action: str
    action_label: str
    from_state: CaseState | None
    to_state: CaseState
    actor_role: str
    actor_name: str | None
    note: str | None
    created_at: Timestamp
    attachments: list[AttachmentOut]


class CaseDetail(CaseSummary):
    attachments: list[AttachmentOut]
    timeline: list[TimelineEvent]


class CasePage(Out):
    items: list[CaseSummary]
    next_cursor: str | None


class NoteIn(In):
    note: str | None = Field(None, max_length=1000)


class ForwardIn(In):
    note: str = text_field(1000, label="转交说明")


class RecategorizeIn(In):
    category_id: DbId


class RouteIn(In):
    unit_id: DbId
    note: str | None = Field(None, max_length=1000)


class RoutingOption(Out):
    id: int
    name: str
    platform: str
    street_id: int | None
    suggested: bool


class RoutingOptions(Out):
    items: list[RoutingOption]


class SimilarCase(CaseSummary):
    reason: str = Field(description="nearby: same category within 200 m; similar: a similar text")
    distance_metres: int | None


class SimilarCases(Out):
    items: list[SimilarCase]


class RejectIn(In):
    reason: str = text_field(1000, label="不予受理理由")


class MergeIn(In):
    into_case_id: DbId
    note: str | None = Field(None, max_length=1000)


class EscalateIn(In):
    reason: str = text_field(1000, label="提级理由")


class ResolveIn(In):
    feedback: str = text_field(2000, label="办理结果")
    attachment_ids: list[DbId] = PhotoIds


class RateIn(In):
    satisfaction: Satisfaction
    comment: str | None = Field(None, max_length=1000)


class AddInfoIn(In):
    """Words, photos or a place: at least one of them."""

    model_config = ConfigDict(json_schema_extra={"anyOf": [
        {"required": ["text"], "properties": {"text": {"type": "string", "pattern": NONBLANK}}},
        {"required": ["attachment_ids"], "properties": {"attachment_ids": {"minItems": 1}}},
        {"required": ["location"], "properties": {"location": {"type": "object"}}},
    ]})

    text: str | None = Field(None, max_length=2000)
    attachment_ids: list[DbId] = PhotoIds
    location: LocationIn | None = None


class DutyRecord(Out):
    accepted: int
    forwarded: int
    resolved: int
    closed: int
    satisfied: int
    dissatisfied: int
    open_in_area: int
    overdue_in_area: int
