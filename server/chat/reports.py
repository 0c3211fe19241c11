"""Reporting by chat: a text opens a case; photos, voice and a location sent within minutes join it."""
from __future__ import annotations

from sqlalchemy import select

from server.cases import duplicates
from server.cases import service as cases
from server.cases.models import Case
from server.cases.service import MAX_DESCRIPTION, Location
from server.cases.states import OPEN_STATES, Source
from server.chat import media, streets, texts
from server.chat.context import JOIN_WINDOW, MEDIA_KINDS, Chat, Reply
from server.chat.models import InboundMessage
from server.core.errors import DomainError
from server.people import service as people
from server.people.models import Person
from server.people.rules import Role

MEDIA_WORDS = {"image": "照片", "location": "位置"}
CHAT_SOURCE = Source.wechat


def recent_case(chat: Chat) -> Case | None:
    """The sender's open case reported by chat in the last 10 minutes: what a photo or place joins."""
    return chat.session.scalar(
        select(Case).where(Case.reporter_id == chat.identity.person_id, Case.source == CHAT_SOURCE,
                           Case.submitted_at >= chat.now - JOIN_WINDOW, Case.state.in_(OPEN_STATES))
        .order_by(Case.submitted_at.desc(), Case.id.desc()).limit(1))


def _waiting_media(chat: Chat) -> list[InboundMessage]:
    if not chat.sender.media_waiting:
        return []
    return list(chat.session.scalars(
        select(InboundMessage).where(InboundMessage.openid == chat.openid, InboundMessage.pending.is_(True),
                                     InboundMessage.msg_type.in_(MEDIA_KINDS),
                                     InboundMessage.received_at >= chat.now - JOIN_WINDOW)
        .order_by(InboundMessage.id)))


def _location_of(payload: dict) -> Location | None:
    try:
        latitude, longitude = float(payload["location_x"]), float(payload["location_y"])
    except (KeyError, TypeError, ValueError):
        return None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    return Location(label=(payload.get("label") or "")[:256] or None, latitude=latitude, longitude=longitude)


def _fetch_photo(chat: Chat, case: Case, payload: dict, inbound_id: int) -> None:
    """The photo is downloaded later by the media job: nothing slow in WeChat's 5 seconds."""
    media.queue_photo(chat.session, case=case, payload=payload, inbound_id=inbound_id, now=chat.now)


def report_problem(chat: Chat, text: str) -> Reply:
    """Open a case from a text (with the photos and place that waited for it)."""
    if len(text) > MAX_DESCRIPTION:
        return Reply(texts.TOO_LONG.format(limit=MAX_DESCRIPTION))
    person = chat.person
    if person.street_id is None and person.role in (Role.resident, Role.council_member):
        named = streets.street_named_in(people.list_streets(chat.uow), text)
        if named is None:
            return streets.ask_street(chat)
        chat.attempt(people.set_resident_street, person_id=person.id, street_id=named.id)
    earlier = _same_report_earlier(chat, person.id, text)
    if earlier is not None:
        return earlier
    waiting = _waiting_media(chat)
    places = [loc for loc in (_location_of(item.payload or {}) for item in waiting if item.msg_type == "location")
              if loc is not None]
    try:
        case = chat.attempt(cases.submit_case, reporter_id=person.id, description=text,
                            location=places[-1] if places else None, source=CHAT_SOURCE)
    except DomainError as exc:
        return Reply(exc.message)
    for item in waiting:
        if item.msg_type == "image":
            _fetch_photo(chat, case, item.payload or {}, item.id)
        item.pending, item.case_id = False, case.id
    if waiting:
        media = "、".join(dict.fromkeys(MEDIA_WORDS[item.msg_type] for item in waiting))
        return Reply(texts.CASE_RECEIVED_WITH_MEDIA.format(number=case.tracking_number, media=media), case.id)
    return Reply(texts.CASE_RECEIVED.format(number=case.tracking_number), case.id)


def _same_report_earlier(chat: Chat, reporter_id: int, text: str) -> Reply | None:
    """The same resident sending the same problem again within a day: it joins their first report.

    The reporter's row is locked first, so three copies arriving at once are checked one after another
    and make one case (SQLite's BEGIN IMMEDIATE already serialises the transactions)."""
    chat.session.execute(select(Person.id).where(Person.id == reporter_id).with_for_update())
    recent = chat.session.scalars(
        select(Case).where(Case.reporter_id == reporter_id, Case.state.in_(OPEN_STATES),
                           Case.submitted_at >= chat.now - duplicates.SAME_REPORTER_WINDOW)
        .order_by(Case.submitted_at.desc(), Case.id.desc()).limit(20))
    for case in recent:
        if duplicates.same_report(case.description, text):
            if duplicates.normalise(case.description) != duplicates.normalise(text):
                try:
                    chat.attempt(cases.add_case_info, actor_id=reporter_id, case_id=case.id, text=text)
                except DomainError as exc:
                    return Reply(exc.message)
            return Reply(texts.ALREADY_REPORTED.format(number=case.tracking_number), case.id)
    return None


def handle_photo(chat: Chat) -> Reply:
    """A unit's photo after its 办结 joins that result; otherwise a photo joins the sender's own recent
    report, or waits for the text that describes it (a unit's stray photo gets a hint instead)."""
    unit = chat.staff if chat.staff is not None and chat.staff.role == Role.handling_unit else None
    if unit is not None:
        resolved = media.recent_resolution(chat.session, staff_id=unit.id, now=chat.now)
        if resolved is not None:
            media.queue_feedback_photo(chat.session, case=resolved, unit_person_id=unit.id, payload=chat.message,
                                       inbound_id=chat.inbound_id, now=chat.now)
            return Reply(texts.FEEDBACK_PHOTO_JOINED.format(number=resolved.tracking_number), resolved.id)
    case = recent_case(chat)
    if case is None and unit is not None:
        return Reply(texts.UNIT_PHOTO_HINT)
    if case is None:
        return Reply(texts.MEDIA_WAITING.format(media="照片"), pending=True)
    _fetch_photo(chat, case, chat.message, chat.inbound_id)
    return Reply(texts.PHOTO_JOINED.format(number=case.tracking_number), case.id)


def handle_location(chat: Chat) -> Reply:
    place = _location_of(chat.message)
    if place is None:
        return Reply(texts.UNSUPPORTED)
    case = recent_case(chat)
    if case is None:
        return Reply(texts.MEDIA_WAITING.format(media="位置"), pending=True)
    try:
        chat.attempt(cases.add_case_info, actor_id=chat.identity.person_id, case_id=case.id, location=place)
    except DomainError as exc:
        return Reply(exc.message)
    label = place.label or f"{place.latitude:.5f}, {place.longitude:.5f}"
    return Reply(texts.LOCATION_JOINED.format(number=case.tracking_number, label=label), case.id)


def answer_street(chat: Chat, answer: str) -> Reply | None:
    """None unless the sender was asked for their street; then set it and open the waiting case."""
    if chat.person.street_id is not None:
        return None
    waiting = streets.waiting_texts(chat)
    if not waiting:
        return None
    choices = people.list_streets(chat.uow)
    street = streets.match_street(choices, answer)
    if street is None:
        return Reply(texts.ASK_STREET.format(choices=streets.street_choices(choices)))
    people.set_resident_street(chat.uow, person_id=chat.person.id, street_id=street.id)
    description = "\n".join((item.payload or {}).get("content") or (item.payload or {}).get("recognition") or ""
                            for item in waiting).strip()
    reply = report_problem(chat, description)
    for item in waiting:
        item.pending, item.case_id = False, reply.case_id
    return Reply(texts.STREET_SET.format(street=street.name) + reply.text, reply.case_id)
