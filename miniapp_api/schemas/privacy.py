"""A resident's own data (GET /me/data) and their erasure request (DELETE /me)."""
from __future__ import annotations

from pydantic import Field

from miniapp_api.schemas.common import Out, Timestamp


class ProfileData(Out):
    id: int
    name: str
    role: str
    phone: str | None
    street: str | None
    community: str | None
    created_at: Timestamp


class WechatData(Out):
    app: str
    openid: str
    subscribed: bool
    created_at: Timestamp


class SessionData(Out):
    method: str
    created_at: Timestamp
    revoked_at: Timestamp | None


class StepData(Out):
    action: str
    action_label: str
    note: str | None
    created_at: Timestamp


class CaseData(Out):
    tracking_number: str
    state: str
    description: str
    category: str | None
    street: str | None
    location: str | None
    latitude: float | None
    longitude: float | None
    contact_consent: bool
    submitted_at: Timestamp
    closed_at: Timestamp | None
    satisfaction: str | None
    my_steps: list[StepData]


class OpinionData(Out):
    topic: str
    text: str
    hidden: bool
    created_at: Timestamp


class SupportData(Out):
    opinion_id: int
    created_at: Timestamp


class ContactViewData(Out):
    case_id: int
    viewer_role: str = Field(description="which kind of staff saw the contact (not who)")
    viewed_at: Timestamp


class ErasureData(Out):
    requested_at: Timestamp
    completed_at: Timestamp | None


class MyDataOut(Out):
    """Everything Minyi keeps about the caller."""

    profile: ProfileData
    wechat: list[WechatData]
    sessions: list[SessionData]
    cases: list[CaseData]
    opinions: list[OpinionData]
    supports: list[SupportData]
    contact_views: list[ContactViewData]
    erasure: ErasureData | None


class ErasureOut(Out):
    requested_at: Timestamp
    completed_at: Timestamp | None = Field(description="null while open reports still need the contact")
    cases_anonymised: int
    waiting_cases: list[str] = Field(description="tracking numbers of open reports; erased when they close")
