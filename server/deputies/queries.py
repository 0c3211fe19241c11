"""Reading deputy work: stations (public), a resident's deputies and next reception day, reception
days as each role may see them, and an object's timeline."""
from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from server.cases.models import Case
from server.core.errors import NotFoundError
from server.core.uow import UnitOfWork
from server.deputies import rules, texts
from server.deputies.common import get_station, load_actor, when_text
from server.deputies.models import (
    ContactStation,
    DeputyCommunity,
    DeputyEvent,
    DeputyProfile,
    ReceptionBooking,
    ReceptionDay,
    ReceptionDuty,
    ReceptionMatter,
    ReceptionSubscription,
    ReceptionVisit,
)
from server.deputies.receptions import window_of
from server.deputies.rules import BookingState, ReceptionState
from server.people.models import Person
from server.people.rules import RESIDENT_ROLES, Actor, Role
from server.places.models import Community, Street

PUBLIC_RECEPTIONS = 5


def _station_dict(station: ContactStation, street: str, community: str | None) -> dict[str, Any]:
    return {"id": station.id, "name": station.name, "street_id": station.street_id, "street_name": street,
            "community_name": community, "address": station.address, "opening_hours": station.opening_hours,
            "phone": station.phone}


def list_stations(uow: UnitOfWork, *, street_id: int | None = None) -> list[dict[str, Any]]:
    """Every station (of one street, if given), with its street and community names; public facts only."""
    with uow.transaction() as session:
        query = (select(ContactStation, Street.name, Community.name)
                 .join(Street, Street.id == ContactStation.street_id)
                 .outerjoin(Community, Community.id == ContactStation.community_id)
                 .order_by(ContactStation.street_id, ContactStation.id))
        if street_id is not None:
            query = query.where(ContactStation.street_id == street_id)
        return [_station_dict(*row) for row in session.execute(query)]


def _deputies(session, street_id: int, community_id: int | None = None, station_id: int | None = None
              ) -> list[dict[str, Any]]:
    """The street's deputies (names, titles, stations); with a community, those whose constituency has it
    (a deputy without listed communities covers the whole street)."""
    rows = session.execute(
        select(Person.id, Person.name, DeputyProfile.title, DeputyProfile.station_id, DeputyProfile.introduction,
               ContactStation.name)
        .outerjoin(DeputyProfile, DeputyProfile.person_id == Person.id)
        .outerjoin(ContactStation, ContactStation.id == DeputyProfile.station_id)
        .where(Person.role == Role.deputy, Person.is_active.is_(True), Person.street_id == street_id)
        .order_by(Person.id)).all()
    areas: dict[int, set[int]] = {}
    for person_id, community in session.execute(select(DeputyCommunity.person_id, DeputyCommunity.community_id)
                                                .where(DeputyCommunity.person_id.in_([r[0] for r in rows]))):
        areas.setdefault(person_id, set()).add(community)
    found = []
    for person_id, name, title, station, introduction, station_name in rows:
        if community_id is not None and areas.get(person_id) and community_id not in areas[person_id]:
            continue
        if station_id is not None and station != station_id:
            continue
        found.append({"id": person_id, "name": name, "title": title or "区人大代表", "station_id": station,
                      "station_name": station_name, "introduction": introduction,
                      "community_ids": sorted(areas.get(person_id, ()))})
    return found


def _reception_summary(session, reception: ReceptionDay, station: ContactStation | None = None) -> dict[str, Any]:
    station = station or session.get(ContactStation, reception.station_id)
    names = [name for (name,) in session.execute(
        select(Person.name).join(ReceptionDuty, ReceptionDuty.deputy_id == Person.id)
        .where(ReceptionDuty.reception_id == reception.id).order_by(Person.id))]
    return {"id": reception.id, "station_id": station.id, "station_name": station.name, "address": station.address,
            "street_id": reception.street_id, "topic": reception.topic, "starts_at": reception.starts_at,
            "ends_at": reception.ends_at, "when": when_text(reception.starts_at, reception.ends_at),
            "state": reception.state.value, "state_label": rules.RECEPTION_STATE_LABELS[reception.state],
            "deputy_names": names}


def _slots(session, reception: ReceptionDay) -> list[dict[str, Any]]:
    taken = Counter(session.scalars(select(ReceptionBooking.slot_at).where(
        ReceptionBooking.reception_id == reception.id, ReceptionBooking.state == BookingState.booked,
        ReceptionBooking.slot_at.is_not(None))))
    return [{"starts_at": moment, "booked": taken.get(moment, 0),
             "free": max(0, reception.slot_capacity - taken.get(moment, 0))} for moment in rules.slots(window_of(reception))]


def upcoming_receptions(session, now: datetime, *, street_id: int | None = None, station_id: int | None = None,
                        limit: int = PUBLIC_RECEPTIONS) -> list[ReceptionDay]:
    query = select(ReceptionDay).where(ReceptionDay.state == ReceptionState.scheduled, ReceptionDay.ends_at > now)
    if street_id is not None:
        query = query.where(ReceptionDay.street_id == street_id)
    if station_id is not None:
        query = query.where(ReceptionDay.station_id == station_id)
    return list(session.scalars(query.order_by(ReceptionDay.starts_at, ReceptionDay.id).limit(limit)))


def station_page(uow: UnitOfWork, *, station_id: int) -> dict[str, Any]:
    """What the public page of a station shows: address, hours, the deputies' names, coming reception days."""
    with uow.transaction() as session:
        station = get_station(session, station_id)
        street = session.get(Street, station.street_id)
        community = session.get(Community, station.community_id) if station.community_id else None
        now = uow.clock.now()
        return {**_station_dict(station, street.name, community.name if community else None),
                "deputies": [{"name": d["name"], "title": d["title"]}
                             for d in _deputies(session, station.street_id, station_id=station.id)],
                "receptions": [_reception_summary(session, r, station)
                               for r in upcoming_receptions(session, now, station_id=station.id)],
                "computed_at": now}


def my_deputies(uow: UnitOfWork, *, person_id: int) -> dict[str, Any]:
    """A resident's deputies and the next reception day of their street (找代表)."""
    with uow.transaction() as session:
        person = session.get(Person, person_id)
        if person is None or not person.is_active:
            raise NotFoundError("账号不存在或已停用")
        if person.street_id is None:
            return {"street": None, "deputies": [], "next_reception": None, "stations": [], "subscribed": False}
        street = session.get(Street, person.street_id)
        now = uow.clock.now()
        upcoming = upcoming_receptions(session, now, street_id=street.id, limit=1)
        subscribed = session.scalar(select(ReceptionSubscription.id).where(
            ReceptionSubscription.person_id == person.id, ReceptionSubscription.street_id == street.id)) is not None
        next_reception = None
        if upcoming:
            next_reception = _reception_summary(session, upcoming[0]) | {"slots": _slots(session, upcoming[0])}
        return {"street": {"id": street.id, "name": street.name},
                "deputies": _deputies(session, street.id, person.community_id),
                "next_reception": next_reception,
                "stations": [_station_dict(s, street.name, None) for s in session.scalars(
                    select(ContactStation).where(ContactStation.street_id == street.id).order_by(ContactStation.id))],
                "subscribed": subscribed}


def find_deputies_text(uow: UnitOfWork, *, person_id: int) -> str:
    """The chat's answer to 找代表."""
    found = my_deputies(uow, person_id=person_id)
    if found["street"] is None:
        return texts.NO_STREET
    street = found["street"]["name"]
    if not found["deputies"]:
        return texts.NO_DEPUTIES.format(street=street)
    lines = [texts.DEPUTIES_HEADER.format(street=street)]
    lines += [texts.DEPUTY_LINE.format(name=d["name"], title=d["title"],
                                       station=f"，{d['station_name']}" if d["station_name"] else "")
              for d in found["deputies"]]
    upcoming = found["next_reception"]
    if upcoming:
        lines.append(texts.NEXT_RECEPTION.format(when=upcoming["when"], station=upcoming["station_name"],
                                                 address=upcoming["address"],
                                                 deputies="、".join(upcoming["deputy_names"])))
    else:
        stations = "；".join(f"{s['name']}（{s['address']}，{s['opening_hours']}）" for s in found["stations"])
        lines.append(texts.NO_RECEPTION.format(stations=stations or "请联系街道人大工委"))
    text = "\n".join(lines)
    return text if found["subscribed"] else text + texts.SUBSCRIBE_HINT


def list_receptions(uow: UnitOfWork, *, actor_id: int, street_id: int | None = None, state: str | None = None,
                    mine: bool = False, upcoming: bool = False, limit: int = 20, offset: int = 0) -> dict[str, Any]:
    """Reception days the caller may see: residents the scheduled ones; staff their street's (the district
    all); `mine` a deputy's own days on duty. Newest first, or soonest first with `upcoming`."""
    with uow.transaction() as session:
        actor = load_actor(session, actor_id)
        now = uow.clock.now()
        query = select(ReceptionDay)
        if actor.role in RESIDENT_ROLES:
            query = query.where(ReceptionDay.state == ReceptionState.scheduled)
        elif actor.role in (Role.street_office, Role.deputy, Role.handling_unit):
            street_id = actor.street_id
        if street_id is not None:
            query = query.where(ReceptionDay.street_id == street_id)
        if state is not None:
            query = query.where(ReceptionDay.state == ReceptionState(state))
        if mine:
            query = query.where(ReceptionDay.id.in_(select(ReceptionDuty.reception_id)
                                                    .where(ReceptionDuty.deputy_id == actor.person_id)))
        if upcoming:
            query = query.where(ReceptionDay.ends_at > now).order_by(ReceptionDay.starts_at, ReceptionDay.id)
        else:
            query = query.order_by(ReceptionDay.starts_at.desc(), ReceptionDay.id.desc())
        total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
        items = [_reception_summary(session, r) for r in session.scalars(query.limit(limit).offset(offset))]
        return {"items": items, "total": total or 0}


def _visible(actor: Actor, reception: ReceptionDay) -> bool:
    return actor.role in RESIDENT_ROLES or rules.sees_street(actor, reception.street_id)


def get_reception(uow: UnitOfWork, *, actor_id: int, reception_id: int) -> dict[str, Any]:
    """One reception day: slots for everyone; a resident's own booking; for staff the bookings, visits,
    matters (with their cases) and the timeline."""
    with uow.transaction() as session:
        actor = load_actor(session, actor_id)
        reception = session.get(ReceptionDay, reception_id)
        if reception is None or not _visible(actor, reception):
            raise NotFoundError("找不到该接待日", details={"reception_id": reception_id})
        detail = _reception_summary(session, reception) | {
            "slots": _slots(session, reception), "slot_minutes": reception.slot_minutes,
            "slot_capacity": reception.slot_capacity, "cancel_reason": reception.cancel_reason,
            "summary": reception.summary, "my_booking": None, "bookings": [], "visits": [], "timeline": []}
        own = session.scalar(select(ReceptionBooking).where(ReceptionBooking.reception_id == reception.id,
                                                            ReceptionBooking.person_id == actor.person_id))
        if own is not None and own.state == BookingState.booked:
            detail["my_booking"] = {"id": own.id, "slot_at": own.slot_at, "question": own.question}
        if actor.role in RESIDENT_ROLES:
            return detail
        bookings = session.execute(
            select(ReceptionBooking, Person.name, Person.phone).join(Person, Person.id == ReceptionBooking.person_id)
            .where(ReceptionBooking.reception_id == reception.id, ReceptionBooking.state == BookingState.booked)
            .order_by(ReceptionBooking.slot_at.nulls_last(), ReceptionBooking.id)).all()
        visited = set(session.scalars(select(ReceptionVisit.booking_id).where(
            ReceptionVisit.reception_id == reception.id, ReceptionVisit.booking_id.is_not(None))))
        detail["bookings"] = [{"id": b.id, "person_name": name, "phone": phone, "slot_at": b.slot_at,
                               "question": b.question, "visited": b.id in visited} for b, name, phone in bookings]
        matters: dict[int, list[dict[str, Any]]] = {}
        for matter, number in session.execute(
                select(ReceptionMatter, Case.tracking_number).outerjoin(Case, Case.id == ReceptionMatter.case_id)
                .where(ReceptionMatter.reception_id == reception.id).order_by(ReceptionMatter.id)):
            matters.setdefault(matter.visit_id, []).append(
                {"id": matter.id, "text": matter.text, "deputy_id": matter.deputy_id, "case_id": matter.case_id,
                 "tracking_number": number})
        detail["visits"] = [{"id": v.id, "person_name": name, "phone": phone, "booking_id": v.booking_id,
                             "created_at": v.created_at, "matters": matters.get(v.id, [])}
                            for v, name, phone in session.execute(
                                select(ReceptionVisit, Person.name, Person.phone)
                                .join(Person, Person.id == ReceptionVisit.person_id)
                                .where(ReceptionVisit.reception_id == reception.id).order_by(ReceptionVisit.id))]
        detail["timeline"] = timeline(session, "reception", reception.id)
        return detail


def timeline(session, subject: str, subject_id: int) -> list[dict[str, Any]]:
    """The object's events, newest first, with who did it (staff by name; a resident as 群众)."""
    rows = session.execute(
        select(DeputyEvent, Person.name).outerjoin(Person, Person.id == DeputyEvent.actor_id)
        .where(DeputyEvent.subject == subject, DeputyEvent.subject_id == subject_id)
        .order_by(DeputyEvent.id.desc())).all()
    return [{"action": event.action, "action_label": texts.EVENT_LABELS.get(event.action, event.action),
             "actor_name": ("群众" if event.actor_role in RESIDENT_ROLES else name) if name else "系统",
             "note": event.note, "created_at": event.created_at} for event, name in rows]


def street_deputies(uow: UnitOfWork, *, actor_id: int, street_id: int | None = None) -> list[dict[str, Any]]:
    """The deputies of a street for staff (to put on duty, to edit a profile)."""
    with uow.transaction() as session:
        actor = load_actor(session, actor_id)
        street_id = actor.street_id if actor.role != Role.district_committee else street_id
        if street_id is None:
            return []
        return _deputies(session, street_id)


def is_subscribed(uow: UnitOfWork, *, person_id: int) -> bool:
    with uow.transaction() as session:
        return session.scalar(select(ReceptionSubscription.id).where(
            ReceptionSubscription.person_id == person_id)) is not None


def street_name(uow: UnitOfWork, street_id: int) -> str | None:
    with uow.transaction() as session:
        street = session.get(Street, street_id)
        return street.name if street else None


def street_communities(uow: UnitOfWork, *, street_id: int | None) -> list[dict[str, Any]]:
    """The street's communities (id, name), for forms."""
    if street_id is None:
        return []
    with uow.transaction() as session:
        return [{"id": i, "name": name} for i, name in session.execute(
            select(Community.id, Community.name).where(Community.street_id == street_id).order_by(Community.id))]
