"""The duty record (履职档案): a deputy's year from what the system knows plus their own entries, the
published duty score (weights in `duty_weights`) and the deputies' ranking.

Other modules add figures without this package knowing them (the linkage module: inspections and
surveys attended, suggestions submitted; supervision: votes cast). A feature package puts a
`duty.py` beside its services with

    DUTY_ITEMS = {"inspections_attended": "参加视察"}          # key -> label
    DUTY_WEIGHTS = {"inspections_attended": 3}                 # optional published default weights
    def duty_counts(session, deputy_ids, starts_at, ends_before) -> dict[str, dict[int, int]]

(key -> deputy id -> count in [starts_at, ends_before)) and the record, the score, the ranking, the
weights page and the PDF show them, by the same convention as the panoramic window's figures.py.
"""
from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from statistics import median
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from server.cases.models import Case
from server.cases.states import Satisfaction
from server.core.clock import LOCAL_ZONE
from server.core.errors import NotFoundError, PermissionDeniedError, ValidationError
from server.core.uow import UnitOfWork
from server.deputies import rules
from server.deputies.common import load_actor
from server.deputies.models import (
    ContactStation,
    DeputyProfile,
    DutyEntry,
    DutyEntryPhoto,
    DutyWeight,
    ReceptionDay,
    ReceptionDuty,
    ReceptionMatter,
    ReceptionVisit,
)
from server.deputies.rules import ReceptionState
from server.files.models import Attachment
from server.halls.models import Opinion
from server.people.models import Person
from server.people.rules import Role
from server.places.models import Street

FAST_ACCEPT = timedelta(hours=12)
Counts = dict[str, dict[int, int]]


@dataclass(frozen=True)
class DutySource:
    items: dict[str, str]
    weights: dict[str, float]
    counts: Callable[[Session, Sequence[int], datetime, datetime], Counts]


def discover_duty_sources(package: str = "server") -> dict[str, DutySource]:
    """Every `<package>.<feature>.duty` module with DUTY_ITEMS and duty_counts, by feature name."""
    root = importlib.import_module(package)
    found: dict[str, DutySource] = {}
    for info in pkgutil.iter_modules(root.__path__):
        if not info.ispkg or info.name == "deputies":
            continue
        try:
            module = importlib.import_module(f"{package}.{info.name}.duty")
        except ModuleNotFoundError as exc:
            if exc.name != f"{package}.{info.name}.duty":
                raise
            continue
        if callable(getattr(module, "duty_counts", None)) and getattr(module, "DUTY_ITEMS", None):
            found[info.name] = DutySource(dict(module.DUTY_ITEMS), dict(getattr(module, "DUTY_WEIGHTS", {})),
                                          module.duty_counts)
    return found


def score_items() -> dict[str, str]:
    """Every figure that can carry a weight: this module's, then the other modules' (key -> label)."""
    items = dict(rules.SCORE_ITEMS)
    for source in discover_duty_sources().values():
        items.update(source.items)
    return items


def year_bounds(year: int) -> tuple[datetime, datetime]:
    if not 2000 <= year <= 2100:
        raise ValidationError("年份不正确", details={"field": "year"})
    return (datetime.combine(date(year, 1, 1), time.min, LOCAL_ZONE),
            datetime.combine(date(year + 1, 1, 1), time.min, LOCAL_ZONE))


def _fast(session: Session):
    if session.get_bind().dialect.name == "postgresql":
        return Case.accepted_at - Case.submitted_at <= FAST_ACCEPT
    return func.julianday(Case.accepted_at) - func.julianday(Case.submitted_at) <= FAST_ACCEPT.total_seconds() / 86400


def _grouped(session: Session, key_column, query) -> dict[int, int]:
    return {key: int(count) for key, count in session.execute(query.group_by(key_column))}


def own_counts(session: Session, ids: Sequence[int], since: datetime, until: datetime) -> Counts:
    """This module's and the case engine's figures for the deputies, one grouped count each."""
    ids = list(ids)
    accepted = and_(Case.accepted_by_id.in_(ids), Case.accepted_at >= since, Case.accepted_at < until)
    held = (select(ReceptionDuty.deputy_id, ReceptionDuty.reception_id)
            .join(ReceptionDay, ReceptionDay.id == ReceptionDuty.reception_id)
            .where(ReceptionDuty.deputy_id.in_(ids), ReceptionDay.state == ReceptionState.held,
                   ReceptionDay.starts_at >= since, ReceptionDay.starts_at < until).subquery())
    matters = and_(ReceptionMatter.deputy_id.in_(ids), ReceptionMatter.created_at >= since,
                   ReceptionMatter.created_at < until)
    return {
        "cases_accepted": _grouped(session, Case.accepted_by_id,
                                   select(Case.accepted_by_id, func.count()).where(accepted)),
        "cases_accepted_fast": _grouped(session, Case.accepted_by_id,
                                        select(Case.accepted_by_id, func.count()).where(accepted, _fast(session))),
        "cases_satisfied": _grouped(session, Case.accepted_by_id, select(Case.accepted_by_id, func.count()).where(
            accepted, Case.satisfaction.in_([Satisfaction.satisfied, Satisfaction.basically_satisfied]))),
        "receptions_held": _grouped(session, held.c.deputy_id, select(held.c.deputy_id, func.count())),
        "residents_received": _grouped(session, held.c.deputy_id, select(held.c.deputy_id, func.count()).join(
            ReceptionVisit, ReceptionVisit.reception_id == held.c.reception_id)),
        "matters_raised": _grouped(session, ReceptionMatter.deputy_id,
                                   select(ReceptionMatter.deputy_id, func.count()).where(matters)),
        "cases_from_matters": _grouped(session, ReceptionMatter.deputy_id, select(
            ReceptionMatter.deputy_id, func.count()).where(matters, ReceptionMatter.case_id.is_not(None))),
        "opinions_answered": _grouped(session, Opinion.replied_by_id, select(Opinion.replied_by_id, func.count()).where(
            Opinion.replied_by_id.in_(ids), Opinion.replied_at >= since, Opinion.replied_at < until)),
        "entries": _grouped(session, DutyEntry.deputy_id, select(DutyEntry.deputy_id, func.count()).where(
            DutyEntry.deputy_id.in_(ids), DutyEntry.happened_on >= since.date(), DutyEntry.happened_on < until.date())),
    }


def all_counts(session: Session, ids: Sequence[int], since: datetime, until: datetime) -> Counts:
    counts = own_counts(session, ids, since, until)
    for source in discover_duty_sources().values():
        counts.update(source.counts(session, ids, since, until))
    return counts


def current_weights(session: Session) -> dict[str, float]:
    """The published weights: the defaults, as changed by the district (rows of duty_weights)."""
    weights = dict(rules.DEFAULT_WEIGHTS)
    for source in discover_duty_sources().values():
        weights.update({key: float(source.weights.get(key, 0)) for key in source.items})
    weights.update({row.key: row.weight for row in session.scalars(select(DutyWeight))})
    return {key: weights.get(key, 0.0) for key in score_items()}


def weights_and_formula(uow: UnitOfWork) -> dict[str, Any]:
    with uow.transaction() as session:
        weights = current_weights(session)
    labels = score_items()
    return {"weights": [{"key": key, "label": labels[key], "weight": value} for key, value in weights.items()],
            "formula": rules.formula_text(weights, labels)}


def _per_deputy(counts: Counts, person_id: int) -> dict[str, int]:
    return {key: by_deputy.get(person_id, 0) for key, by_deputy in counts.items()}


def duty_record(uow: UnitOfWork, *, actor_id: int, deputy_id: int, year: int) -> dict[str, Any]:
    """A deputy's year: profile, figures, score with its formula, receptions on duty and own entries.
    The deputy sees their own; the street office its street's deputies; the district everyone."""
    since, until = year_bounds(year)
    with uow.transaction() as session:
        actor = load_actor(session, actor_id)
        deputy = session.get(Person, deputy_id)
        if deputy is None or deputy.role != Role.deputy:
            raise NotFoundError("找不到该代表", details={"deputy_id": deputy_id})
        if actor.person_id != deputy.id:
            if actor.role == Role.street_office and actor.street_id != deputy.street_id:
                raise NotFoundError("找不到该代表", details={"deputy_id": deputy_id})
            if actor.role not in (Role.street_office, Role.district_committee):
                raise PermissionDeniedError("只能查看本人的履职档案")
        labels = score_items()
        counts = _per_deputy(all_counts(session, [deputy.id], since, until), deputy.id)
        weights = current_weights(session)
        profile = session.get(DeputyProfile, deputy.id)
        station = session.get(ContactStation, profile.station_id) if profile and profile.station_id else None
        street = session.get(Street, deputy.street_id) if deputy.street_id else None
        waits = [(accepted - submitted).total_seconds() / 3600 for submitted, accepted in session.execute(
            select(Case.submitted_at, Case.accepted_at).where(Case.accepted_by_id == deputy.id,
                                                              Case.accepted_at >= since, Case.accepted_at < until))]
        receptions = [{"id": r.id, "starts_at": r.starts_at, "station_name": name, "state": r.state.value,
                       "state_label": rules.RECEPTION_STATE_LABELS[r.state], "topic": r.topic,
                       "visits": visits or 0}
                      for r, name, visits in session.execute(
                          select(ReceptionDay, ContactStation.name,
                                 select(func.count()).where(ReceptionVisit.reception_id == ReceptionDay.id)
                                 .scalar_subquery())
                          .join(ReceptionDuty, ReceptionDuty.reception_id == ReceptionDay.id)
                          .join(ContactStation, ContactStation.id == ReceptionDay.station_id)
                          .where(ReceptionDuty.deputy_id == deputy.id, ReceptionDay.starts_at >= since,
                                 ReceptionDay.starts_at < until)
                          .order_by(ReceptionDay.starts_at))]
        entries = list(session.scalars(select(DutyEntry).where(
            DutyEntry.deputy_id == deputy.id, DutyEntry.happened_on >= since.date(),
            DutyEntry.happened_on < until.date()).order_by(DutyEntry.happened_on, DutyEntry.id)))
        photos: dict[int, list[int]] = {}
        for entry_id, attachment_id in session.execute(select(DutyEntryPhoto.entry_id, DutyEntryPhoto.attachment_id)
                                                       .where(DutyEntryPhoto.entry_id.in_([e.id for e in entries]))
                                                       .order_by(DutyEntryPhoto.id)):
            photos.setdefault(entry_id, []).append(attachment_id)
        return {
            "deputy": {"id": deputy.id, "name": deputy.name, "title": profile.title if profile else "区人大代表",
                       "street_name": street.name if street else "", "station_name": station.name if station else None},
            "year": year,
            "figures": [{"key": key, "label": labels[key], "value": counts.get(key, 0),
                         "weight": weights.get(key, 0.0)} for key in labels],
            "median_hours_to_accept": round(median(waits), 1) if waits else None,
            "score": rules.score(counts, weights), "formula": rules.formula_text(weights, labels),
            "receptions": receptions,
            "entries": [{"id": e.id, "kind": e.kind.value, "kind_label": rules.ENTRY_KIND_LABELS[e.kind],
                         "title": e.title, "happened_on": e.happened_on, "place": e.place, "note": e.note,
                         "photo_ids": photos.get(e.id, [])} for e in entries],
            "computed_at": uow.clock.now(),
        }


def deputy_ranking(uow: UnitOfWork, *, actor_id: int, year: int, street_id: int | None = None) -> dict[str, Any]:
    """Deputies ranked by their duty score for the year: the district sees all (or one street), a street
    office its own street's. Never public."""
    since, until = year_bounds(year)
    with uow.transaction() as session:
        actor = load_actor(session, actor_id)
        if actor.role == Role.street_office:
            street_id = actor.street_id
        elif actor.role != Role.district_committee:
            raise PermissionDeniedError("履职排名仅供区人大常委会和街道人大工委查看")
        query = (select(Person.id, Person.name, Street.name).join(Street, Street.id == Person.street_id)
                 .where(Person.role == Role.deputy, Person.is_active.is_(True)))
        if street_id is not None:
            query = query.where(Person.street_id == street_id)
        deputies = {person_id: (name, street) for person_id, name, street in session.execute(query)}
        counts = all_counts(session, list(deputies), since, until)
        weights = current_weights(session)
        labels = score_items()
    scores = {person_id: rules.score(_per_deputy(counts, person_id), weights) for person_id in deputies}
    rows = [{"rank": position, "deputy_id": person_id, "name": deputies[person_id][0],
             "street_name": deputies[person_id][1], "score": value, "figures": _per_deputy(counts, person_id)}
            for position, person_id, value in rules.rank(list(scores.items()))]
    return {"year": year, "items": rows, "formula": rules.formula_text(weights, labels),
            "labels": labels, "computed_at": uow.clock.now()}


def entry_photo(uow: UnitOfWork, *, actor_id: int, attachment_id: int) -> tuple[bytes, str]:
    """A photo of a duty entry, for whoever may read that deputy's record (else NotFound)."""
    with uow.transaction() as session:
        actor = load_actor(session, actor_id)
        row = session.execute(
            select(Attachment, Person.id, Person.street_id)
            .join(DutyEntryPhoto, DutyEntryPhoto.attachment_id == Attachment.id)
            .join(DutyEntry, DutyEntry.id == DutyEntryPhoto.entry_id).join(Person, Person.id == DutyEntry.deputy_id)
            .where(Attachment.id == attachment_id).limit(1)).first()
        allowed = row is not None and (
            actor.person_id == row[1] or actor.role == Role.district_committee
            or (actor.role == Role.street_office and actor.street_id == row[2]))
        if not allowed or uow.storage is None or not uow.storage.exists(row[0].sha256):
            raise NotFoundError("找不到该照片", details={"attachment_id": attachment_id})
        return uow.storage.get(row[0].sha256), row[0].content_type
