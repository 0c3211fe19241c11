"""SQLAlchemy models: data only; the rules live in server.domain and server.services."""
from .api_sessions import ApiSession, AttachmentUpload
from .attachments import Attachment, CaseAttachment
from .cases import Case, CaseEvent, CaseReminder, TrackingCounter
from .geography import Community, Street
from .inbound import InboundMessage
from .organisation import Category, HandlingUnit, RoutingRule
from .outbox import OutboxMessage
from .people import BindCode, Person, WechatIdentity

__all__ = [
    "ApiSession", "Attachment", "AttachmentUpload", "BindCode", "Case", "CaseAttachment", "CaseEvent", "CaseReminder", "Category",
    "Community", "HandlingUnit", "InboundMessage", "OutboxMessage", "Person", "RoutingRule", "Street",
    "TrackingCounter", "WechatIdentity",
]
