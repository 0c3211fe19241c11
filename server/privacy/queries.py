"""Privacy reads: a resident's own data (their copy, PIPL art. 45) and the record of contact views."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from server.cases.models import Case, CaseEvent
from server.cases.rules import ACTION_LABELS
from server.core.errors import NotFoundError
from server.core.uow import UnitOfWork
from server.halls.models import Opinion, Support, Topic
from server.people.models import ApiSession, Person, WechatIdentity
from server.places.models import Category, Community, Street
from server.privacy.models import ContactView, ErasureRequest

COUNT_CAP = 10_000  # as the audit log's other sources: past this it says "10000+"
ROLE_NAMES = {"deputy": "人大代表", "street_office": "街道人大工委", "handling_unit": "承办单位",
              "district_committee": "区人大常委会", "system": "系统"}


def _name(session, model, row_id: int | None) -> str | None:
    row = session.get(model, row_id) if row_id is not None else None
    return row.name if row is not None else None


def export_person_data(uow: UnitOfWork, *, person_id: int) -> dict[str, Any]:
    """Everything Minyi keeps about a person, readable and complete: profile, WeChat links, sign-ins,
    their reports with their own steps on the timeline, their hall opinions and supports, which staff
    role saw their contact and when, and any erasure request."""
    with uow.transaction() as session:
        person = session.get(Person, person_id)
        if person is None:
            raise NotFoundError("账号不存在")
        cases = list(session.scalars(select(Case).where(Case.reporter_id == person_id).order_by(Case.id)))
        events = {}
        for event in session.scalars(select(CaseEvent).where(CaseEvent.case_id.in_([c.id for c in cases]))
                                     .order_by(CaseEvent.case_id, CaseEvent.sequence)):
            events.setdefault(event.case_id, []).append(event)
        opinions = session.execute(select(Opinion, Topic.title).join(Topic, Topic.id == Opinion.topic_id)
                                   .where(Opinion.author_id == person_id).order_by(Opinion.id)).all()
        supports = session.execute(select(Support.opinion_id, Support.created_at)
                                   .where(Support.person_id == person_id).order_by(Support.id)).all()
        views = list(session.scalars(select(ContactView).where(ContactView.reporter_id == person_id)
                                     .order_by(ContactView.viewed_at)))
        request = session.scalar(select(ErasureRequest).where(ErasureRequest.person_id == person_id))
        return {
            "profile": {"id": person.id, "name": person.name, "role": person.role.value, "phone": person.phone,
                        "street": _name(session, Street, person.street_id),
                        "community": _name(session, Community, person.community_id),
                        "created_at": person.created_at},
            "wechat": [{"app": w.app, "openid": w.openid, "subscribed": w.subscribed, "created_at": w.created_at}
                       for w in session.scalars(select(WechatIdentity).where(WechatIdentity.person_id == person_id))],
            "sessions": [{"method": s.method, "created_at": s.created_at, "revoked_at": s.revoked_at}
                         for s in session.scalars(select(ApiSession).where(ApiSession.person_id == person_id)
                                                  .order_by(ApiSession.id))],
            "cases": [{
                "tracking_number": c.tracking_number, "state": c.state.value, "description": c.description,
                "category": _name(session, Category, c.category_id), "street": _name(session, Street, c.street_id),
                "location": c.location_label, "latitude": c.latitude, "longitude": c.longitude,
                "contact_consent": bool(c.contact_consent), "submitted_at": c.submitted_at,
                "closed_at": c.closed_at, "satisfaction": c.satisfaction.value if c.satisfaction else None,
                "my_steps": [{"action": e.action.value, "action_label": ACTION_LABELS[e.action], "note": e.note,
                              "created_at": e.created_at} for e in events.get(c.id, []) if e.actor_id == person_id],
            } for c in cases],
            "opinions": [{"topic": title, "text": o.text, "hidden": o.hidden, "created_at": o.created_at}
                         for o, title in opinions],
            "supports": [{"opinion_id": opinion_id, "created_at": at} for opinion_id, at in supports],
            "contact_views": [{"case_id": v.case_id, "viewer_role": ROLE_NAMES.get(v.viewer_role.value,
                                                                                   v.viewer_role.value),
                               "viewed_at": v.viewed_at} for v in views],
            "erasure": ({"requested_at": request.requested_at, "completed_at": request.completed_at}
                        if request else None),
        }


def list_contact_views(uow: UnitOfWork, *, case_id: int | None = None, reporter_id: int | None = None,
                       viewer_id: int | None = None, limit: int = 100) -> list[dict[str, Any]]:
    """Who was shown a reporter's contact, newest first: the console's audit log reads this."""
    with uow.transaction() as session:
        query = select(ContactView, Person.name).join(Person, Person.id == ContactView.viewer_id)
        if case_id is not None:
            query = query.where(ContactView.case_id == case_id)
        if reporter_id is not None:
            query = query.where(ContactView.reporter_id == reporter_id)
        if viewer_id is not None:
            query = query.where(ContactView.viewer_id == viewer_id)
        rows = session.execute(query.order_by(ContactView.viewed_at.desc(), ContactView.id.desc()).limit(limit))
        return [{"case_id": view.case_id, "reporter_id": view.reporter_id, "viewer_id": view.viewer_id,
                 "viewer_name": name, "viewer_role": view.viewer_role.value, "channel": view.channel,
                 "viewed_at": view.viewed_at} for view, name in rows]


CONTACT_VIEW_ACTIONS = {"view": "查看反映人联系方式"}


def contact_view_entries(uow: UnitOfWork, *, actor_id: int | None = None, action: str | None = None,
                         since: datetime | None = None, until: datetime | None = None,
                         limit: int = 50) -> tuple[int, list[dict[str, Any]]]:
    """The contact views as audit-log entries (the shape of the cases' staff log), newest first."""
    if action not in (None, "view"):
        return 0, []
    query = select(ContactView.id)
    if actor_id is not None:
        query = query.where(ContactView.viewer_id == actor_id)
    if since is not None:
        query = query.where(ContactView.viewed_at >= since)
    if until is not None:
        query = query.where(ContactView.viewed_at < until)
    with uow.transaction() as session:
        total = session.scalar(select(func.count()).select_from(query.limit(COUNT_CAP + 1).subquery()))
        rows = session.execute(
            select(ContactView, Person.name, Case.tracking_number)
            .join(Person, Person.id == ContactView.viewer_id).join(Case, Case.id == ContactView.case_id)
            .order_by(ContactView.viewed_at.desc(), ContactView.id.desc()).where(ContactView.id.in_(
                query.order_by(ContactView.viewed_at.desc(), ContactView.id.desc()).limit(limit)))).all()
        return total, [{"at": view.viewed_at, "actor_id": view.viewer_id, "actor_name": name,
                        "actor_role_label": ROLE_NAMES.get(view.viewer_role.value, view.viewer_role.value),
                        "kind": "contact", "action": "view", "action_label": CONTACT_VIEW_ACTIONS["view"],
                        "subject": f"反映 {number}", "case_id": view.case_id, "note": view.channel}
                       for view, name, number in rows]
