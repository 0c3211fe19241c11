"""Deliberation halls as the API shows them, and the bodies of the organizers' and residents' actions."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from miniapp_api.schemas.common import NONBLANK, DbId, In, Out, PageQuery, Timestamp, text_field
from server.halls.rules import MAX_BACKGROUND, MAX_NOTE, MAX_OPINION, MAX_TITLE, TopicState

PhotoIds = Field(default_factory=list, max_length=9, description="ids from POST /api/v1/uploads (yours)")


class TopicPath(In):
    topic_id: DbId


class OpinionPath(In):
    opinion_id: DbId


class CreateTopicIn(In):
    title: str = text_field(MAX_TITLE, label="议题标题")
    background: str = text_field(MAX_BACKGROUND, label="议题背景")
    street_id: DbId | None = Field(None, description="default: the organizer's street")
    community_id: DbId | None = Field(None, description="a community topic; its street is implied")
    opens_at: Timestamp | None = Field(None, description="opens by itself then; without it, open it by hand")
    closes_at: Timestamp
    attachment_ids: list[DbId] = PhotoIds


class EditTopicIn(In):
    title: str | None = Field(None, max_length=MAX_TITLE, pattern=NONBLANK, json_schema_extra={"x-label": "议题标题"})
    background: str | None = Field(None, max_length=MAX_BACKGROUND, pattern=NONBLANK,
                                   json_schema_extra={"x-label": "议题背景"})
    street_id: DbId | None = None
    community_id: DbId | None = None
    opens_at: Timestamp | None = None
    clear_opens_at: bool = Field(False, description="unschedule: the draft then opens only by hand")
    closes_at: Timestamp | None = None
    attachment_ids: list[DbId] | None = Field(None, max_length=9, description="added to the topic's attachments")


class CloseTopicIn(In):
    note: str | None = text_field(MAX_NOTE, label="说明", required=False)


class ExtendTopicIn(In):
    closes_at: Timestamp
    reason: str = text_field(MAX_NOTE, label="延期原因")


class OpinionCaseIn(In):
    opinion_id: DbId
    unit_id: DbId | None = Field(None, description="route the new case to this handling unit at once")


class ConcludeTopicIn(In):
    summary: str = text_field(MAX_BACKGROUND, label="结果说明")
    adopted_opinion_ids: list[DbId] = Field(default_factory=list, max_length=200)
    cases: list[OpinionCaseIn] = Field(default_factory=list, max_length=50,
                                       description="opinions to turn into cases of the core loop")
    follow_ups: list[Annotated[str, text_field(MAX_NOTE, label="后续事项")]] = Field(default_factory=list,
                                                                                   max_length=50)


class PostOpinionIn(In):
    text: str = text_field(MAX_OPINION, label="意见内容")
    attachment_ids: list[DbId] = PhotoIds


class HideOpinionIn(In):
    reason: str = text_field(MAX_NOTE, label="隐藏原因")


class PinOpinionIn(In):
    pinned: bool = True


class ReplyOpinionIn(In):
    text: str = text_field(MAX_OPINION, label="回复内容")


class OpinionCaseBody(In):
    unit_id: DbId | None = None


class SubscribeIn(In):
    street_id: DbId | None = Field(None, description="default: your street")


class TopicListQuery(PageQuery):
    state: TopicState | None = None
    street_id: DbId | None = None


class OpinionListQuery(PageQuery):
    sort: Literal["supports", "time"] = Field("supports", description="pinned first, then most supported or newest")


class PosterQuery(In):
    format: Literal["pdf", "png"] | None = Field(None, description="default pdf")


class QrCodeQuery(In):
    format: Literal["png", "svg"] | None = Field(None, description="default png")


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
