"""What deputy work's commands share: the actor, rows looked up or locked, the audit log, pushes."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.cases.service import load_actor
from server.core.clock import LOCAL_ZONE
from server.core.db import lock_row
from server.core.errors import NotFoundError
from server.deputies.models import ContactStation, DeputyEvent, ReceptionDay, ReceptionDuty
from server.people.models import Person
from server.people.rules import Actor, Role
from server.pushes import notifications
from server.pushes.states import OutboxKind

__all__ = ["load_actor", "record_event", "get_station", "lock_reception", "duty_ids", "push_reception",
           "reception_payload", "when_text", "deputy_names", "as_aware"]

WEEKDAYS = "一二三四五六日"


def record_event(session: Session, subject: str, subject_id: int, action: str, actor: Actor, now: datetime, *,
                 note: str | None = None, data: dict[str, Any] | None = None) -> DeputyEvent:
    """One step of the object's timeline (its audit log), shaped like the case engine's events."""
    event = DeputyEvent(subject=subject, subject_id=subject_id, action=action, actor_id=actor.person_id,
                        actor_role=actor.role, note=note, data=data or {}, created_at=now)
    session.add(event)
    return event


def get_station(session: Session, station_id: int, actor: Actor | None = None) -> ContactStation:
    """The station; for staff outside its street it does not exist (404, like cases)."""
    station = session.get(ContactStation, station_id)
    if station is None or (actor is not None and actor.role in (Role.street_office, Role.deputy)
                           and actor.street_id != station.street_id):
        raise NotFoundError("找不到该联络站", details={"station_id": station_id})
    return station


def lock_reception(session: Session, reception_id: int, actor: Actor | None = None) -> ReceptionDay:
    reception = lock_row(session, ReceptionDay, reception_id, missing="找不到该接待日",
                         details={"reception_id": reception_id})
    if actor is not None and actor.role in (Role.street_office, Role.deputy) and actor.street_id != reception.street_id:
        raise NotFoundError("找不到该接待日", details={"reception_id": reception_id})
    return reception


def duty_ids(session: Session, reception_id: int) -> list[int]:
    return list(session.scalars(select(ReceptionDuty.deputy_id).where(ReceptionDuty.reception_id == reception_id)
                                .order_by(ReceptionDuty.deputy_id)))


def deputy_names(session: Session, ids: Iterable[int]) -> list[str]:
    ids = list(ids)
    if not ids:
        return []
    names = dict(session.execute(select(Person.id, Person.name).where(Person.id.in_(ids))).all())
    return [names[i] for i in ids if i in names]


def as_aware(moment: datetime | None) -> datetime | None:
    """A time without an offset is Beijing time (what people type); stored in UTC like every time."""
    if moment is None:
        return None
    return moment.replace(tzinfo=LOCAL_ZONE) if moment.tzinfo is None else moment


def when_text(starts_at: datetime, ends_at: datetime) -> str:
    """"12月5日（周五）09:00-11:30" in Beijing time."""
    start, end = starts_at.astimezone(LOCAL_ZONE), ends_at.astimezone(LOCAL_ZONE)
    return f"{start.month}月{start.day}日（周{WEEKDAYS[start.weekday()]}）{start:%H:%M}-{end:%H:%M}"


def reception_payload(session: Session, reception: ReceptionDay) -> dict[str, Any]:
    station = session.get(ContactStation, reception.station_id)
    return {"reception_id": reception.id, "when": when_text(reception.starts_at, reception.ends_at),
            "station": station.name if station else "", "address": station.address if station else "",
            "deputies": "、".join(deputy_names(session, duty_ids(session, reception.id))),
            **({"topic": reception.topic} if reception.topic else {})}


def push_reception(session: Session, reception: ReceptionDay, people: Iterable[int], *, kind: OutboxKind,
                   now: datetime, key: str, extra: dict[str, Any] | None = None) -> int:
    """The same push about a reception day to each of `people`; `key` keeps a retry from pushing twice."""
    payload = reception_payload(session, reception) | (extra or {})
    return notifications.push_to(session, sorted(set(people)), kind=kind, now=now, subject_id=reception.id,
                                 payload=payload, dedupe=key)
