"""Pushes that did not reach their recipient (dead letters, skipped), as staff read them in the console."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from server.core.uow import UnitOfWork
from server.people.models import Person
from server.pushes.models import OutboxMessage
from server.pushes.states import OutboxKind, OutboxStatus

FAILED = (OutboxStatus.dead, OutboxStatus.skipped)
STATUS_LABELS = {OutboxStatus.dead: "发送失败", OutboxStatus.skipped: "已跳过（无法触达）",
                 OutboxStatus.pending: "待发送", OutboxStatus.sending: "发送中", OutboxStatus.sent: "已发送"}
KIND_LABELS = {
    OutboxKind.case_submitted: "新反映通知", OutboxKind.case_accepted: "代表接收通知",
    OutboxKind.case_auto_forwarded: "自动转交通知", OutboxKind.case_routed: "流转通知",
    OutboxKind.case_resolved: "办结通知", OutboxKind.case_reopened: "重办通知", OutboxKind.case_rejected: "不予受理通知",
    OutboxKind.case_merged: "合并通知", OutboxKind.case_escalated: "提级通知", OutboxKind.case_reminder: "办理提醒",
    OutboxKind.case_overdue: "超时通知", OutboxKind.topic_opened: "议题开放通知", OutboxKind.topic_closing: "议题即将截止",
    OutboxKind.topic_concluded: "议事结果通知", OutboxKind.opinion_replied: "意见回复通知",
    OutboxKind.report_accepted: "反映已接收", OutboxKind.report_routed: "反映已流转", OutboxKind.report_reopened: "反映重办",
    OutboxKind.inbound_reply: "消息补发", OutboxKind.fetch_media: "照片下载",
}


def list_failed(uow: UnitOfWork, *, status: str | None = None, offset: int = 0,
                limit: int = 20) -> tuple[int, list[dict[str, Any]]]:
    """Dead-lettered and skipped pushes (or one of the two), newest first, with the recipient's name."""
    statuses = [OutboxStatus(status)] if status in {s.value for s in FAILED} else list(FAILED)
    where = OutboxMessage.status.in_(statuses)
    with uow.transaction() as session:
        total = session.scalar(select(func.count(OutboxMessage.id)).where(where))
        rows = session.execute(
            select(OutboxMessage, Person.name).outerjoin(Person, Person.id == OutboxMessage.recipient_id).where(where)
            .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc()).offset(offset).limit(limit)).all()
        return total, [{"id": row.id, "kind": row.kind.value, "kind_label": KIND_LABELS.get(row.kind, row.kind.value),
                        "status": row.status.value, "status_label": STATUS_LABELS[row.status],
                        "recipient_id": row.recipient_id, "recipient_name": name or "—", "case_id": row.case_id,
                        "attempts": row.attempts, "last_error": row.last_error or "", "created_at": row.created_at}
                       for row, name in rows]
