"""SQLAlchemy models: data only; the rules live in server.domain and server.services."""
from .api_sessions import ApiSession, AttachmentUpload
from .attachments import Attachment, CaseAttachment
from .cases import Case, CaseEvent, CaseReminder, TrackingCounter
from .geography import Community, Street
from .inbound import InboundMessage
from .organisation import Category, HandlingUnit, RoutingRule
from .outbox import OutboxMessage
from .people import BindCode, Person, WechatIdentity
from .statistics import StreetRanking
from .topics import (
    HallPresence,
    Opinion,
    OpinionAttachment,
    Support,
    Topic,
    TopicAttachment,
    TopicEvent,
    TopicFollowUp,
    TopicSubscription,
)

__all__ = [
    "ApiSession", "Attachment", "AttachmentUpload", "BindCode", "Case", "CaseAttachment", "CaseEvent", "CaseReminder", "Category",
    "Community", "HandlingUnit", "InboundMessage", "OutboxMessage", "Person", "RoutingRule", "Street",
    "StreetRanking",
    "TrackingCounter", "WechatIdentity",
    # deliberation halls
    "HallPresence", "Opinion", "OpinionAttachment", "Support", "Topic", "TopicAttachment", "TopicEvent",
    "TopicFollowUp", "TopicSubscription",
]
