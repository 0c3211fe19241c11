"""Deliberation halls as the API shows them, and the bodies of the organizers' and residents' actions."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from miniapp_api.schemas.common import DbId, In, Out, PageQuery, Timestamp
from server.halls.rules import TopicState

PhotoIds = Field(default_factory=list, max_length=9, description="ids from POST /api/v1/uploads (yours)")


class TopicPath(In):
    topic_id: DbId


class OpinionPath(In):
    opinion_id: DbId


class CreateTopicIn(In):
    title: str = Field(max_length=200, description="up to 80 characters")
    background: str = Field(max_length=10_000, description="up to 5,000 characters")
    street_id: DbId | None = Field(None, description="default: the organizer's street")
    community_id: DbId | None = Field(None, description="a community topic; its street is implied")
    opens_at: Timestamp | None = Field(None, description="opens by itself then; without it, open it by hand")
    closes_at: Timestamp
    attachment_ids: list[DbId] = PhotoIds


class EditTopicIn(In):
    title: str | None = Field(None, max_length=200)
    background: str | None = Field(None, max_length=10_000)
    street_id: DbId | None = None
    community_id: DbId | None = None
    opens_at: Timestamp | None = None
    clear_opens_at: bool = Field(False, description="unschedule: the draft then opens only by hand")
    closes_at: Timestamp | None = None
    attachment_ids: list[DbId] | None = Field(None, max_length=9, description="added to the topic's attachments")


class CloseTopicIn(In):
    note: str | None = Field(None, max_length=1000)


class ExtendTopicIn(In):
    closes_at: Timestamp
    reason: str = Field(max_length=1000)


class OpinionCaseIn(In):
    opinion_id: DbId
    unit_id: DbId | None = Field(None, description="route the new case to this handling unit at once")


class ConcludeTopicIn(In):
    summary: str = Field(max_length=10_000)
    adopted_opinion_ids: list[DbId] = Field(default_factory=list, max_length=200)
    cases: list[OpinionCaseIn] = Field(default_factory=list, max_length=50,
                                       description="opinions to turn into cases of the core loop")
    follow_ups: list[str] = Field(default_factory=list, max_length=50)


class PostOpinionIn(In):
    # The service gives the precise Chinese message for empty or over-2,000-character text.
    text: str = Field(max_length=10_000, description="up to 2,000 characters")
    attachment_ids: list[DbId] = PhotoIds


class HideOpinionIn(In):
    reason: str = Field(max_length=1000)


class PinOpinionIn(In):
    pinned: bool = True


class ReplyOpinionIn(In):
    text: str = Field(max_length=10_000)


class OpinionCaseBody(In):
    unit_id: DbId | None = None


class SubscribeIn(In):
    street_id: DbId | None = Field(None, description="default: your street")


class TopicListQuery(PageQuery):
    state: TopicState | None = None
    street_id: DbId | None = None


class OpinionListQuery(PageQuery):
    sort: Literal["supports", "time"] = Field("supports", description="pinned first, then most supported or newest")


class FileQuery(In):
    format: Literal["png", "pdf", "svg"] | None = None


class TopicOut(Out):
    id: int
    title: str
    state: TopicState
    state_label: str
    street_id: int
    street_name: str
    community_id: int | None
    community_name: str | None
    opens_at: Timestamp | None
    closes_at: Timestamp
    opened_at: Timestamp | None
    closed_at: Timestamp | None
    concluded_at: Timestamp | None
    extended_reason: str | None
    opinion_count: int
    support_count: int


class FollowUpOut(Out):
    id: int
    description: str
    opinion_id: int | None
    done_at: Timestamp | None = None  # when the organiser marked it done


class TopicDetail(TopicOut):
    background: str
    outcome_summary: str | None
    can_organize: bool
    attachment_ids: list[int]
    follow_ups: list[FollowUpOut]


class TopicPage(Out):
    items: list[TopicOut]
    next_cursor: str | None
    total: int


class OpinionOut(Out):
    id: int
    text: str
    author_name: str = Field(description="residents appear as 朱* to others; never contact details")
    is_council_member: bool
    support_count: int
    pinned: bool
    adopted: bool
    hidden: bool
    hide_reason: str | None = Field(None, description="only to the author and organizers")
    reply: str | None
    replied_at: Timestamp | None
    created_at: Timestamp
    is_mine: bool
    supported_by_me: bool
    case_tracking_number: str | None
    case_id: int | None = Field(None, description="only to organizers")
    attachment_ids: list[int]


class OpinionPage(Out):
    items: list[OpinionOut]
    next_cursor: str | None
    total: int


class CaseRef(Out):
    case_id: int
    tracking_number: str
    opinion_id: int


class TopicFigures(Out):
    participants: int
    opinions: int
    hidden: int
    supports: int
    adopted: int
    cases_created: int


class SubscriptionOut(Out):
    street_id: int
