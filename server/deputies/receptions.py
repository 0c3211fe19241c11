"""Reception days (接待日 / 代表进站): scheduled by the street office, booked by residents, recorded by
the deputies on duty; a matter raised there can become a case the deputy receives at once."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select

from server.cases import service as cases
from server.cases.models import Case
from server.cases.states import Source
from server.core.errors import NotFoundError, PermissionDeniedError, ValidationError
from server.core.text import clean_text
from server.core.uow import UnitOfWork
from server.deputies import rules
from server.deputies.common import (
    as_aware,
    duty_ids,
    get_station,
    load_actor,
    lock_reception,
    push_reception,
    record_event,
)
from server.deputies.models import (
    ReceptionBooking,
    ReceptionDay,
    ReceptionDuty,
    ReceptionMatter,
    ReceptionSubscription,
    ReceptionVisit,
)
from server.deputies.rules import BookingState, ReceptionState
from server.people.models import Person
from server.people.profiles import PHONE
from server.people.rules import RESIDENT_ROLES, Role
from server.places.models import Community
from server.pushes.states import OutboxKind

MAX_DEPUTIES_ON_DUTY = 10


def window_of(reception: ReceptionDay) -> rules.ReceptionWindow:
    return rules.ReceptionWindow(reception.starts_at, reception.ends_at, reception.slot_minutes,
                                 reception.slot_capacity)


def schedule_reception(uow: UnitOfWork, *, actor_id: int, station_id: int, starts_at: datetime, ends_at: datetime,
                       deputy_ids: Sequence[int], slot_minutes: int = 30, slot_capacity: int = 3,
                       topic: str | None = None) -> ReceptionDay:
    """The street office schedules a reception day at one of its stations with deputies on duty; the
    deputies and the residents of the street who opted in are told."""
    with uow.transaction() as session:
        now = uow.clock.now()
        actor = load_actor(session, actor_id)
        station = get_station(session, station_id, actor)
        rules.may_schedule(actor, station.street_id)
        starts_at, ends_at = as_aware(starts_at), as_aware(ends_at)
        window = rules.ReceptionWindow(starts_at, ends_at, slot_minutes, slot_capacity)
        rules.check_window(window, now)
        ids = sorted(set(deputy_ids))
        if not ids:
            raise ValidationError("请至少安排一名值班代表", details={"field": "deputy_ids"})
        if len(ids) > MAX_DEPUTIES_ON_DUTY:
            raise ValidationError(f"值班代表最多 {MAX_DEPUTIES_ON_DUTY} 名", details={"field": "deputy_ids"})
        deputies = set(session.scalars(select(Person.id).where(
            Person.id.in_(ids), Person.role == Role.deputy, Person.is_active.is_(True),
            Person.street_id == station.street_id)))
        if deputies != set(ids):
            raise ValidationError("值班代表须为本街道的人大代表", details={"field": "deputy_ids"})
        reception = ReceptionDay(station_id=station.id, street_id=station.street_id,
                                 topic=clean_text(topic, field="接待主题", limit=120, required=False),
                                 starts_at=starts_at, ends_at=ends_at, slot_minutes=slot_minutes,
                                 slot_capacity=slot_capacity, state=ReceptionState.scheduled,
                                 scheduled_by_id=actor.person_id, created_at=now)
        session.add(reception)
        session.flush()
        session.add_all(ReceptionDuty(reception_id=reception.id, deputy_id=i) for i in ids)
        session.flush()
        record_event(session, "reception", reception.id, "reception_scheduled", actor, now,
                     data={"station_id": station.id, "deputy_ids": ids})
        subscribers = session.scalars(select(ReceptionSubscription.person_id).join(
            Person, Person.id == ReceptionSubscription.person_id).where(
            ReceptionSubscription.street_id == station.street_id, Person.is_active.is_(True)))
        push_reception(session, reception, subscribers, kind=OutboxKind.reception_published, now=now, key="published")
        push_reception(session, reception, ids, kind=OutboxKind.reception_duty, now=now, key="duty")
        return reception


def cancel_reception(uow: UnitOfWork, *, actor_id: int, reception_id: int, reason: str) -> ReceptionDay:
    """Call a reception day off, with a reason that the deputies and everyone who booked are told."""
    with uow.transaction() as session:
        now = uow.clock.now()
        actor = load_actor(session, actor_id)
        reception = lock_reception(session, reception_id, actor)
        rules.may_schedule(actor, reception.street_id)
        reason = clean_text(reason, field="取消原因", limit=500)
        if reception.state != ReceptionState.scheduled:
            raise ValidationError("只能取消尚未接待的接待日")
        reception.state, reception.cancel_reason = ReceptionState.cancelled, reason
        record_event(session, "reception", reception.id, "reception_cancelled", actor, now, note=reason)
        booked = session.scalars(select(ReceptionBooking.person_id).where(
            ReceptionBooking.reception_id == reception.id, ReceptionBooking.state == BookingState.booked))
        push_reception(session, reception, [*booked, *duty_ids(session, reception.id)],
                       kind=OutboxKind.reception_cancelled, now=now, key="cancelled", extra={"reason": reason})
        return reception


def book_reception(uow: UnitOfWork, *, person_id: int, reception_id: int, slot_at: datetime | None = None,
                   question: str | None = None) -> ReceptionBooking:
    """A resident books a time slot, or leaves a question beforehand, or both; booking again changes
    the one booking they have for that day."""
    with uow.transaction() as session:
        now = uow.clock.now()
        actor = load_actor(session, person_id)
        if actor.role not in RESIDENT_ROLES:
            raise PermissionDeniedError("预约接待请使用居民身份")
        question = clean_text(question, field="留言", limit=1000, required=False)
        slot_at = as_aware(slot_at)
        if slot_at is None and question is None:
            raise ValidationError("请选择预约时段或填写留言", details={"field": "slot_at"})
        reception = lock_reception(session, reception_id)  # serialises bookings of one day: capacity holds
        booking = session.scalar(select(ReceptionBooking).where(ReceptionBooking.reception_id == reception.id,
                                                                ReceptionBooking.person_id == person_id))
        taken = 0
        if slot_at is not None:
            taken = session.scalar(select(func.count()).select_from(ReceptionBooking).where(
                ReceptionBooking.reception_id == reception.id, ReceptionBooking.slot_at == slot_at,
                ReceptionBooking.state == BookingState.booked, ReceptionBooking.person_id != person_id)) or 0
        rules.check_booking(window_of(reception), reception.state, slot_at, taken, now)
        action = "booking_made"
        if booking is None:
            booking = ReceptionBooking(reception_id=reception.id, person_id=person_id, created_at=now)
            session.add(booking)
        elif booking.state == BookingState.booked:
            if booking.slot_at == slot_at and booking.question == question:
                return booking  # a retried request: nothing changes
            action = "booking_changed"
        booking.slot_at, booking.question, booking.state, booking.updated_at = (slot_at, question,
                                                                                 BookingState.booked, now)
        session.flush()
        record_event(session, "reception", reception.id, action, actor, now,
                     data={"booking_id": booking.id, "slot_at": slot_at.isoformat() if slot_at else None,
                           "question": question is not None})
        return booking


def cancel_booking(uow: UnitOfWork, *, person_id: int, reception_id: int) -> ReceptionBooking:
    with uow.transaction() as session:
        now = uow.clock.now()
        actor = load_actor(session, person_id)
        reception = lock_reception(session, reception_id)
        booking = session.scalar(select(ReceptionBooking).where(ReceptionBooking.reception_id == reception.id,
                                                                ReceptionBooking.person_id == person_id))
        if booking is None or booking.state != BookingState.booked:
            raise NotFoundError("您没有预约这次接待")
        if reception.state != ReceptionState.scheduled:
            raise ValidationError("该接待日已结束或已取消")
        booking.state, booking.updated_at = BookingState.cancelled, now
        record_event(session, "reception", reception.id, "booking_cancelled", actor, now,
                     data={"booking_id": booking.id})
        return booking


def _on_duty(session, reception_id: int, person_id: int | None) -> bool:
    return person_id is not None and person_id in duty_ids(session, reception_id)


def _check_recording(reception: ReceptionDay, now: datetime) -> None:
    if reception.state == ReceptionState.cancelled:
        raise ValidationError("该接待日已取消")
    if now < reception.starts_at - rules.BOOKING_CLOSES_BEFORE:
        raise ValidationError("接待尚未开始，不能登记来访")


def record_visit(uow: UnitOfWork, *, actor_id: int, reception_id: int, booking_id: int | None = None,
                 visitor_name: str | None = None, phone: str | None = None, community_id: int | None = None,
                 matters: Sequence[str] = ()) -> ReceptionVisit:
    """The deputy on duty records who came: a resident who booked (by booking), or a walk-in by name
    (kept as a resident of the street, so a matter of theirs can become their case); with the matters
    they raised."""
    with uow.transaction() as session:
        now = uow.clock.now()
        actor = load_actor(session, actor_id)
        reception = lock_reception(session, reception_id, actor)
        rules.may_record(actor, reception.street_id, _on_duty(session, reception.id, actor.person_id))
        _check_recording(reception, now)
        texts = [clean_text(text, field="群众诉求", limit=2000) for text in matters]
        if booking_id is not None:
            booking = session.get(ReceptionBooking, booking_id)
            if booking is None or booking.reception_id != reception.id:
                raise ValidationError("预约不属于这次接待", details={"field": "booking_id"})
            visit = session.scalar(select(ReceptionVisit).where(ReceptionVisit.booking_id == booking.id))
            if visit is not None:
                return visit  # recorded already (a retried request)
            person_id = booking.person_id
        else:
            name = clean_text(visitor_name, field="来访群众姓名", limit=32)
            phone = (phone or "").strip() or None
            if phone is not None and not PHONE.fullmatch(phone):
                raise ValidationError("手机号码格式不正确", details={"field": "phone"})
            if community_id is not None:
                community = session.get(Community, community_id)
                if community is None or community.street_id != reception.street_id:
                    raise ValidationError("社区不属于该街道", details={"field": "community_id"})
            walk_in = Person(name=name, role=Role.resident, phone=phone, street_id=reception.street_id,
                             community_id=community_id, is_active=True, created_at=now)
            session.add(walk_in)
            session.flush()
            person_id, booking = walk_in.id, None
        visit = ReceptionVisit(reception_id=reception.id, person_id=person_id,
                               booking_id=booking.id if booking else None, recorded_by_id=actor.person_id,
                               created_at=now)
        session.add(visit)
        session.flush()
        record_event(session, "reception", reception.id, "visit_recorded", actor, now,
                     data={"visit_id": visit.id, "booking_id": visit.booking_id})
        deputy_id = actor.person_id if actor.role == Role.deputy else duty_ids(session, reception.id)[0]
        for text in texts:
            _add_matter(session, reception, visit, deputy_id, text, actor, now)
        return visit


def _add_matter(session, reception, visit, deputy_id, text, actor, now) -> ReceptionMatter:
    matter = ReceptionMatter(reception_id=reception.id, visit_id=visit.id, deputy_id=deputy_id, text=text,
                             created_at=now)
    session.add(matter)
    session.flush()
    record_event(session, "reception", reception.id, "matter_raised", actor, now, note=text[:200],
                 data={"matter_id": matter.id, "visit_id": visit.id})
    return matter


def raise_matter(uow: UnitOfWork, *, actor_id: int, visit_id: int, text: str,
                 deputy_id: int | None = None) -> ReceptionMatter:
    """A matter the visitor raised; the deputy who heard it (the actor, or one on duty the office names)."""
    with uow.transaction() as session:
        now = uow.clock.now()
        actor = load_actor(session, actor_id)
        visit = session.get(ReceptionVisit, visit_id)
        if visit is None:
            raise NotFoundError("找不到该来访记录", details={"visit_id": visit_id})
        reception = lock_reception(session, visit.reception_id, actor)
        on_duty = duty_ids(session, reception.id)
        rules.may_record(actor, reception.street_id, actor.person_id in on_duty)
        _check_recording(reception, now)
        text = clean_text(text, field="群众诉求", limit=2000)
        heard_by = actor.person_id if actor.role == Role.deputy else (deputy_id or on_duty[0])
        if heard_by not in on_duty:
            raise ValidationError("记录诉求的代表须为当天值班代表", details={"field": "deputy_id"})
        return _add_matter(session, reception, visit, heard_by, text, actor, now)


def raise_case_from_matter(uow: UnitOfWork, *, actor_id: int, matter_id: int, category_id: int | None = None,
                           contact_consent: bool = False) -> Case:
    """The matter enters the 72-hour loop as the visitor's case, received by the deputy who heard it.
    Asked again, it answers with the same case."""
    with uow.transaction() as session:
        now = uow.clock.now()
        actor = load_actor(session, actor_id)
        matter = session.get(ReceptionMatter, matter_id)
        if matter is None:
            raise NotFoundError("找不到该诉求", details={"matter_id": matter_id})
        reception = lock_reception(session, matter.reception_id, actor)
        rules.may_record(actor, reception.street_id, _on_duty(session, reception.id, actor.person_id))
        session.refresh(matter)
        if matter.case_id is not None:
            return session.get(Case, matter.case_id)
        visit = session.get(ReceptionVisit, matter.visit_id)
        visitor = session.get(Person, visit.person_id)
        community_id = visitor.community_id if visitor.street_id == reception.street_id else None
        case = cases.submit_case(uow, reporter_id=visitor.id, description=matter.text, street_id=reception.street_id,
                                 community_id=community_id, category_id=category_id, source=Source.reception,
                                 contact_consent=contact_consent, receiver_id=matter.deputy_id)
        matter.case_id = case.id
        record_event(session, "reception", reception.id, "matter_to_case", actor, now,
                     data={"matter_id": matter.id, "case_id": case.id, "tracking_number": case.tracking_number})
        return case


def close_reception(uow: UnitOfWork, *, actor_id: int, reception_id: int, summary: str | None = None
                    ) -> ReceptionDay:
    """The deputies on duty (or the office) record the day as held, with a short summary."""
    with uow.transaction() as session:
        now = uow.clock.now()
        actor = load_actor(session, actor_id)
        reception = lock_reception(session, reception_id, actor)
        rules.may_record(actor, reception.street_id, _on_duty(session, reception.id, actor.person_id))
        if reception.state != ReceptionState.scheduled:
            raise ValidationError("该接待日已完成或已取消")
        if now < reception.starts_at:
            raise ValidationError("接待尚未开始，不能标记完成")
        reception.state, reception.held_at = ReceptionState.held, now
        reception.summary = clean_text(summary, field="接待小结", limit=2000, required=False)
        record_event(session, "reception", reception.id, "reception_held", actor, now)
        return reception
