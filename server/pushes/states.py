"""The outbox's vocabulary as enums; values are stored in the database."""
from __future__ import annotations

from enum import StrEnum


class OutboxStatus(StrEnum):
    """pending -> sending (claimed under a lease) -> sent | dead | skipped; a retry goes back to pending."""

    pending = "pending"
    sending = "sending"
    sent = "sent"
    dead = "dead"
    skipped = "skipped"  # the recipient cannot be reached on WeChat: not retried by itself


class OutboxKind(StrEnum):
    """What a row asks for: a push (one text in `server.pushes.texts` each), or `fetch_media`."""

    case_submitted = "case_submitted"
    case_accepted = "case_accepted"
    case_auto_forwarded = "case_auto_forwarded"
    case_routed = "case_routed"
    case_resolved = "case_resolved"
    case_reopened = "case_reopened"
    case_rejected = "case_rejected"
    case_merged = "case_merged"
    case_escalated = "case_escalated"
    case_reminder = "case_reminder"
    case_overdue = "case_overdue"
    # The console's teamwork: to an assisting unit, to the staff member given a case, to the street office.
    case_assisting = "case_assisting"
    case_assigned = "case_assigned"
    case_reroute_requested = "case_reroute_requested"
    topic_opened = "topic_opened"
    topic_closing = "topic_closing"
    topic_concluded = "topic_concluded"
    opinion_replied = "opinion_replied"
    # 区街联动 (server.linkage): to street offices, invited deputies and the district committee.
    linkage_issued = "linkage_issued"
    linkage_invited = "linkage_invited"
    linkage_submitted = "linkage_submitted"
    linkage_returned = "linkage_returned"
    linkage_accepted = "linkage_accepted"
    linkage_reminder = "linkage_reminder"
    linkage_overdue = "linkage_overdue"
    # To the resident who reported: what happened to their case (customer-service message in the 48 h
    # window, else a template message).
    report_accepted = "report_accepted"
    report_routed = "report_routed"
    report_reopened = "report_reopened"
    # Deputy work (server.deputies): reception days to subscribed residents, bookers and deputies on duty.
    reception_published = "reception_published"
    reception_duty = "reception_duty"
    reception_reminder = "reception_reminder"
    reception_cancelled = "reception_cancelled"
    # The answer to a message journalled while the database was down (server.chat.journal).
    inbound_reply = "inbound_reply"
    # A month's ranking board (赛马晾晒), to each street's office and deputies (server.statistics.boards).
    ranking_published = "ranking_published"
    # Not a push: a photo a resident sent by chat, fetched by the chat's media job (server.chat.media);
    # the push dispatcher never claims these rows.
    fetch_media = "fetch_media"


class Channel(StrEnum):
    """How a row was delivered."""

    cs_text = "cs_text"  # a customer-service text, inside the resident's 48-hour window
    template = "template"  # an official-account template message
    miniapp_subscribe = "miniapp_subscribe"  # a mini-program subscribe message
    media = "media"  # a fetch_media row: the photo was downloaded and attached


PUSH_KINDS = frozenset(OutboxKind) - {OutboxKind.fetch_media}
