"""Staff working a case together in the console: internal notes, a unit head giving a case to one of
the unit's staff, and a unit handing a case back to the street office to be routed elsewhere.

A unit's head is its first active staff account (the lowest id): the account the unit was set up with.
No extra flag to keep in step; when that account is disabled the next one becomes the head.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.cases.holders import notify_holders, push_about
from server.cases.models import Case
from server.cases.service import MAX_NOTE, _transition, load_actor
from server.cases.states import CaseAction
from server.core.errors import PermissionDeniedError, ValidationError
from server.core.text import clean_text
from server.core.uow import UnitOfWork
from server.people.models import Person
from server.people.rules import Role
from server.places.models import HandlingUnit
from server.pushes.states import OutboxKind


def unit_staff(session: Session, unit_id: int) -> list[Person]:
    """The unit's active staff accounts, its head first."""
    return list(session.scalars(select(Person).where(Person.role == Role.handling_unit,
                                                     Person.handling_unit_id == unit_id,
                                                     Person.is_active.is_(True)).order_by(Person.id)))


def unit_head_id(session: Session, unit_id: int | None) -> int | None:
    if unit_id is None:
        return None
    return session.scalar(select(Person.id).where(Person.role == Role.handling_unit,
                                                  Person.handling_unit_id == unit_id,
                                                  Person.is_active.is_(True)).order_by(Person.id).limit(1))


def add_note(uow: UnitOfWork, *, actor_id: int, case_id: int, text: str) -> Case:
    """An internal note on the case's timeline: staff read it, the resident never does."""
    with uow.transaction():
        text = clean_text(text, field="备注", limit=MAX_NOTE)
        case, _ = _transition(uow, CaseAction.note, actor_id=actor_id, case_id=case_id, note=text)
        return case


def assign_case(uow: UnitOfWork, *, actor_id: int, case_id: int, assignee_id: int) -> Case:
    """The lead unit's head gives the case to one of the unit's staff (it shows under their "mine")."""
    with uow.transaction() as session:
        actor = load_actor(session, actor_id)
        if actor.role != Role.handling_unit or unit_head_id(session, actor.unit_id) != actor_id:
            raise PermissionDeniedError("只有本单位负责人可以指派经办人")
        assignee = session.get(Person, assignee_id)
        if (assignee is None or not assignee.is_active or assignee.role != Role.handling_unit
                or assignee.handling_unit_id != actor.unit_id):
            raise ValidationError("经办人须为本单位工作人员", details={"field": "assignee_id"})
        case, _ = _transition(uow, CaseAction.assign, actor_id=actor_id, case_id=case_id,
                              data={"assignee_id": assignee.id, "assignee_name": assignee.name},
                              assignee_id=assignee.id)
        push_about(session, case, [assignee.id], kind=OutboxKind.case_assigned, now=uow.clock.now(),
                   payload={"tracking_number": case.tracking_number}, dedupe=f"assigned{case.version}")
        return case


def request_reroute(uow: UnitOfWork, *, actor_id: int, case_id: int, reason: str) -> Case:
    """The lead unit says the case is not theirs: it goes back to the street office's queue with the reason."""
    with uow.transaction() as session:
        reason = clean_text(reason, field="申请理由", limit=MAX_NOTE)
        actor = load_actor(session, actor_id)
        unit = session.get(HandlingUnit, actor.unit_id) if actor.unit_id is not None else None
        case, _ = _transition(uow, CaseAction.request_reroute, actor_id=actor_id, case_id=case_id, note=reason,
                              data={"unit_name": unit.name if unit else ""})
        notify_holders(session, case, kind=OutboxKind.case_reroute_requested, now=uow.clock.now(),
                       payload={"unit_name": unit.name if unit else "", "reason": reason},
                       dedupe_suffix=f"reroute{case.version}")
        return case
