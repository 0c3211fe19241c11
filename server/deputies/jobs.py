"""Deputy work's scheduled job: the day-before reminder of each reception day."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from server.core.clock import LOCAL_ZONE
from server.core.uow import UnitOfWork
from server.deputies.common import duty_ids, push_reception, record_event
from server.deputies.models import ReceptionBooking, ReceptionDay
from server.deputies.rules import BookingState, ReceptionState
from server.people.rules import Actor
from server.pushes.states import OutboxKind

REMIND_BEFORE = timedelta(hours=24)
BATCH = 100


def remind_receptions(uow: UnitOfWork) -> dict[str, Any]:
    """A day before a reception day, tell the deputies on duty and everyone who booked (their slot).

    Each day is claimed by setting `reminded_at` in a conditional UPDATE, so any number of scheduler
    processes remind it once; the pushes are written in the same transaction as the claim."""
    reminded = pushes = 0
    with uow.transaction() as session:
        now = uow.clock.now()
        due = list(session.scalars(select(ReceptionDay.id).where(
            ReceptionDay.state == ReceptionState.scheduled, ReceptionDay.reminded_at.is_(None),
            ReceptionDay.starts_at > now, ReceptionDay.starts_at <= now + REMIND_BEFORE)
            .order_by(ReceptionDay.starts_at).limit(BATCH)))
        for reception_id in due:
            claimed = session.execute(update(ReceptionDay).where(
                ReceptionDay.id == reception_id, ReceptionDay.reminded_at.is_(None))
                .values(reminded_at=now)).rowcount
            if not claimed:
                continue
            reception = session.get(ReceptionDay, reception_id)
            pushes += push_reception(session, reception, duty_ids(session, reception.id),
                                     kind=OutboxKind.reception_reminder, now=now, key="reminder",
                                     extra={"who": "请准时到联络站值班接待"})
            for person_id, slot_at in session.execute(select(ReceptionBooking.person_id, ReceptionBooking.slot_at)
                                                      .where(ReceptionBooking.reception_id == reception.id,
                                                             ReceptionBooking.state == BookingState.booked)):
                who = (f"您预约的时段是 {slot_at.astimezone(LOCAL_ZONE):%H:%M}" if slot_at else "您的留言代表已收到")
                pushes += push_reception(session, reception, [person_id], kind=OutboxKind.reception_reminder,
                                         now=now, key="reminder", extra={"who": who})
            record_event(session, "reception", reception.id, "reception_reminded", Actor.system(), now)
            reminded += 1
    return {"reminded": reminded, "pushes": pushes}
