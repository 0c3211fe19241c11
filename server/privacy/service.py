"""Privacy commands: record who saw a reporter's contact, erase a resident on request, and erase the
personal fields of closed cases after the retention period.

What is personal on a case: who reported it (`reporter_id`, the consent flag), what they wrote (the
description, their own notes on the timeline), where (the location they gave: often their home) and
the photos they sent with it. Erasing keeps the rest (street, category, times, unit, result,
satisfaction), so every figure of the panoramic window stays the same: the case is anonymised, not
deleted, and its timeline records that it was (`anonymise`, by the system).
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, insert, select, update

from server.cases.models import Case, CaseAttachment, CaseEvent
from server.cases.service import load_actor, record_event
from server.cases.states import FINAL_STATES, CaseAction
from server.core.errors import PermissionDeniedError
from server.core.uow import UnitOfWork
from server.people.models import ApiSession, Person, WechatIdentity
from server.people.rules import RESIDENT_ROLES, Role
from server.privacy.models import ContactView, ErasureRequest
from server.privacy.texts import ERASED_NAME, ERASED_TEXT

BATCH = 200


def record_contact_views(uow: UnitOfWork, *, viewer_id: int, viewer_role: Role, channel: str,
                         shown: Iterable[tuple[int, int]]) -> int:
    """Staff were shown these (case_id, reporter_id) contacts; one row each, in one statement."""
    rows = [{"case_id": case_id, "reporter_id": reporter_id, "viewer_id": viewer_id, "viewer_role": viewer_role,
             "channel": channel, "viewed_at": uow.clock.now()}
            for case_id, reporter_id in dict.fromkeys(shown) if reporter_id != viewer_id]
    if not rows:
        return 0
    with uow.transaction() as session:
        session.execute(insert(ContactView), rows)
    return len(rows)


def _anonymise(session, case: Case, now, reason: str) -> None:
    reporter_id = case.reporter_id
    session.execute(update(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.actor_id == reporter_id,
                                            CaseEvent.note.is_not(None)).values(note=ERASED_TEXT))
    session.execute(update(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.actor_id == reporter_id)
                    .values(actor_id=None))
    session.execute(delete(CaseAttachment).where(CaseAttachment.case_id == case.id, CaseAttachment.kind == "report"))
    case.reporter_id = None
    case.contact_consent = False
    case.description = ERASED_TEXT
    case.location_label = case.latitude = case.longitude = None
    record_event(session, case, CaseAction.anonymise, load_actor(session, None), now, from_state=case.state,
                 note=reason)


def _anonymise_closed(session, now, *, reporter_id: int | None = None, closed_before=None,
                      reason: str) -> int:
    query = select(Case).where(Case.state.in_(list(FINAL_STATES)), Case.reporter_id.is_not(None))
    if reporter_id is not None:
        query = query.where(Case.reporter_id == reporter_id)
    if closed_before is not None:
        query = query.where(Case.closed_at < closed_before)
    cases = list(session.scalars(query.order_by(Case.id).limit(BATCH).with_for_update(skip_locked=True)))
    for case in cases:
        _anonymise(session, case, now, reason)
    return len(cases)


def _open_case_count(session, person_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Case).where(
        Case.reporter_id == person_id, Case.state.not_in(list(FINAL_STATES)))) or 0


def _erase_person(session, person: Person, now) -> None:
    person.name = ERASED_NAME
    person.phone = None
    person.username = None
    person.password_hash = None
    person.community_id = None
    person.is_active = False
    # The WeChat user is no longer linked to anyone: writing again starts afresh as a new resident.
    session.execute(delete(WechatIdentity).where(WechatIdentity.person_id == person.id,
                                                 WechatIdentity.staff_person_id.is_(None)))
    session.execute(update(ApiSession).where(ApiSession.person_id == person.id, ApiSession.revoked_at.is_(None))
                    .values(revoked_at=now, revoked_reason="erased"))


def request_erasure(uow: UnitOfWork, *, person_id: int) -> dict[str, Any]:
    """A resident asks to be forgotten. Closed cases are anonymised now; open ones keep the contact
    (the unit may need to call back) and are anonymised by the retention job when they close, which
    then erases the person too. Asking twice changes nothing."""
    with uow.transaction() as session:
        now = uow.clock.now()
        person = session.get(Person, person_id)
        if person is None or person.role not in RESIDENT_ROLES:
            raise PermissionDeniedError("工作人员账号请联系区人大常委会管理员注销")
        request = session.scalar(select(ErasureRequest).where(ErasureRequest.person_id == person_id))
        if request is None:
            request = ErasureRequest(person_id=person_id, requested_at=now, cases_anonymised=0)
            session.add(request)
        while done := _anonymise_closed(session, now, reporter_id=person_id, reason="反映人申请删除个人信息"):
            request.cases_anonymised += done
        waiting = list(session.scalars(select(Case.tracking_number).where(
            Case.reporter_id == person_id, Case.state.not_in(list(FINAL_STATES))).order_by(Case.id)))
        if not waiting and request.completed_at is None:
            request.completed_at = now
            _erase_person(session, person, now)
        else:
            # Signed out everywhere at once; the contact stays only on the open cases.
            session.execute(update(ApiSession).where(ApiSession.person_id == person_id,
                                                     ApiSession.revoked_at.is_(None))
                            .values(revoked_at=now, revoked_reason="erasure_requested"))
        return {"requested_at": request.requested_at, "completed_at": request.completed_at,
                "cases_anonymised": request.cases_anonymised, "waiting_cases": waiting}


def erase_expired_personal_data(uow: UnitOfWork, *, retention_days: int) -> dict[str, int]:
    """Scheduler: closed cases older than the retention lose their personal fields; residents who asked
    to be forgotten are erased once their last open case has closed. Safe in any number of schedulers
    (rows are claimed with SKIP LOCKED) and in batches, so a first run on years of data stays short."""
    with uow.transaction() as session:
        now = uow.clock.now()
        expired = _anonymise_closed(session, now, closed_before=now - timedelta(days=retention_days),
                                    reason=f"已超过保存期限（{retention_days} 天）")
        erased = 0
        pending = list(session.scalars(select(ErasureRequest).where(ErasureRequest.completed_at.is_(None))
                                       .limit(BATCH).with_for_update(skip_locked=True)))
        for request in pending:
            request.cases_anonymised += _anonymise_closed(session, now, reporter_id=request.person_id,
                                                          reason="反映人申请删除个人信息")
            if _open_case_count(session, request.person_id) == 0:
                request.completed_at = now
                _erase_person(session, session.get(Person, request.person_id), now)
                erased += 1
        return {"cases_anonymised": expired, "people_erased": erased}
