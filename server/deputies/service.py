"""Deputy work's commands besides reception days: stations, profiles, opt-ins, the duty record's own
entries and the score's weights. One transaction each; every change an event on the object's timeline."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from sqlalchemy import delete, select

from server.core.clock import LOCAL_ZONE
from server.core.errors import NotFoundError, PermissionDeniedError, ValidationError
from server.core.text import clean_text
from server.core.uow import UnitOfWork
from server.deputies import rules
from server.deputies.common import get_station, load_actor, record_event
from server.deputies.models import (
    ContactStation,
    DeputyCommunity,
    DeputyProfile,
    DutyEntry,
    DutyEntryPhoto,
    DutyWeight,
    ReceptionSubscription,
)
from server.files.models import Attachment
from server.people.models import Person
from server.people.profiles import PHONE
from server.people.rules import Role
from server.places.models import Community, Street

UNSET = object()
MAX_ENTRY_PHOTOS = 9


def _station_fields(session, street_id: int, name: str | None, address: str | None, opening_hours: str | None,
                    community_id: object, phone: object) -> dict:
    fields: dict = {}
    if name is not None:
        fields["name"] = clean_text(name, field="联络站名称", limit=80)
    if address is not None:
        fields["address"] = clean_text(address, field="地址", limit=200)
    if opening_hours is not None:
        fields["opening_hours"] = clean_text(opening_hours, field="开放时间", limit=200)
    if community_id is not UNSET:
        if community_id is not None:
            community = session.get(Community, community_id)
            if community is None or community.street_id != street_id:
                raise ValidationError("社区不属于该街道", details={"field": "community_id"})
        fields["community_id"] = community_id
    if phone is not UNSET:
        phone = (phone or "").strip() or None
        if phone is not None and not PHONE.fullmatch(phone):
            raise ValidationError("联系电话格式不正确", details={"field": "phone"})
        fields["phone"] = phone
    return fields


def _check_unique_name(session, name: str | None, station_id: int | None) -> None:
    if name is None:
        return
    other = session.scalar(select(ContactStation.id).where(ContactStation.name == name))
    if other is not None and other != station_id:
        raise ValidationError("已有同名的联络站", details={"field": "name"})


def create_station(uow: UnitOfWork, *, actor_id: int, street_id: int, name: str, address: str,
                   opening_hours: str, community_id: int | None = None, phone: str | None = None) -> ContactStation:
    """The street office opens a contact station (代表联络站) of its street."""
    with uow.transaction() as session:
        now = uow.clock.now()
        actor = load_actor(session, actor_id)
        if session.get(Street, street_id) is None:
            raise ValidationError("街道不存在", details={"field": "street_id"})
        rules.may_schedule(actor, street_id)
        fields = _station_fields(session, street_id, name, address, opening_hours, community_id, phone)
        _check_unique_name(session, fields["name"], None)
        station = ContactStation(street_id=street_id, created_at=now, updated_at=now, **fields)
        session.add(station)
        session.flush()
        record_event(session, "station", station.id, "station_created", actor, now, data={"name": station.name})
        return station


def update_station(uow: UnitOfWork, *, actor_id: int, station_id: int, name: str | None = None,
                   address: str | None = None, opening_hours: str | None = None, community_id: object = UNSET,
                   phone: object = UNSET) -> ContactStation:
    """Change what is given of a station's name, address, hours, community or desk phone."""
    with uow.transaction() as session:
        now = uow.clock.now()
        actor = load_actor(session, actor_id)
        station = get_station(session, station_id, actor)
        rules.may_schedule(actor, station.street_id)
        fields = _station_fields(session, station.street_id, name, address, opening_hours, community_id, phone)
        _check_unique_name(session, fields.get("name"), station.id)
        changed = {key: value for key, value in fields.items() if getattr(station, key) != value}
        if changed:
            for key, value in changed.items():
                setattr(station, key, value)
            station.updated_at = now
            record_event(session, "station", station.id, "station_updated", actor, now,
                         data={"changed": sorted(changed)})
        return station


def update_deputy_profile(uow: UnitOfWork, *, actor_id: int, deputy_id: int, title: str | None = None,
                          station_id: object = UNSET, introduction: object = UNSET,
                          community_ids: Sequence[int] | None = None) -> DeputyProfile:
    """The street office sets a deputy's title, station and constituency; a deputy may write their own
    introduction."""
    with uow.transaction() as session:
        now = uow.clock.now()
        actor = load_actor(session, actor_id)
        deputy = session.get(Person, deputy_id)
        if deputy is None or deputy.role != Role.deputy or not deputy.is_active:
            raise NotFoundError("找不到该代表", details={"deputy_id": deputy_id})
        own = actor.person_id == deputy.id
        if not own or title is not None or station_id is not UNSET or community_ids is not None:
            if actor.role == Role.street_office and actor.street_id != deputy.street_id:
                raise NotFoundError("找不到该代表", details={"deputy_id": deputy_id})
            rules.may_schedule(actor, deputy.street_id)
        profile = session.get(DeputyProfile, deputy.id) or DeputyProfile(person_id=deputy.id, title="区人大代表",
                                                                           updated_at=now)
        session.add(profile)
        changed: dict = {}
        if title is not None:
            changed["title"] = clean_text(title, field="代表职务", limit=64)
        if station_id is not UNSET:
            if station_id is not None and get_station(session, station_id).street_id != deputy.street_id:
                raise ValidationError("联络站不在该代表所在街道", details={"field": "station_id"})
            changed["station_id"] = station_id
        if introduction is not UNSET:
            changed["introduction"] = clean_text(introduction, field="个人简介", limit=500, required=False)
        for key, value in changed.items():
            setattr(profile, key, value)
        if community_ids is not None:
            ids = sorted(set(community_ids))
            found = set(session.scalars(select(Community.id).where(Community.id.in_(ids),
                                                                   Community.street_id == deputy.street_id)))
            if found != set(ids):
                raise ValidationError("选区社区须属于该代表所在街道", details={"field": "community_ids"})
            session.execute(delete(DeputyCommunity).where(DeputyCommunity.person_id == deputy.id))
            session.add_all(DeputyCommunity(person_id=deputy.id, community_id=i) for i in ids)
            changed["community_ids"] = ids
        profile.updated_at = now
        session.flush()
        record_event(session, "profile", deputy.id, "profile_updated", actor, now, data={"changed": sorted(changed)})
        return profile


def subscribe_receptions(uow: UnitOfWork, *, person_id: int) -> Street:
    """A resident opts in to hear of reception days in their street (a repeat changes nothing)."""
    with uow.transaction() as session:
        person = session.get(Person, person_id)
        if person is None or not person.is_active:
            raise NotFoundError("账号不存在或已停用")
        if person.street_id is None:
            raise ValidationError("请先设置您所在的街道", details={"field": "street_id"})
        exists = session.scalar(select(ReceptionSubscription.id).where(
            ReceptionSubscription.person_id == person.id, ReceptionSubscription.street_id == person.street_id))
        if exists is None:
            with session.begin_nested():
                session.add(ReceptionSubscription(person_id=person.id, street_id=person.street_id,
                                                  created_at=uow.clock.now()))
        return session.get(Street, person.street_id)


def unsubscribe_receptions(uow: UnitOfWork, *, person_id: int) -> int:
    """The resident no longer wants reception-day pushes; returns how many opt-ins ended."""
    with uow.transaction() as session:
        return session.execute(delete(ReceptionSubscription)
                               .where(ReceptionSubscription.person_id == person_id)).rowcount or 0


def add_duty_entry(uow: UnitOfWork, *, actor_id: int, kind: rules.EntryKind | str, title: str,
                   happened_on: date, place: str | None = None, note: str | None = None,
                   attachment_ids: Sequence[int] = ()) -> DutyEntry:
    """A deputy adds to their duty record what the system cannot see (a meeting, training, a visit)."""
    with uow.transaction() as session:
        now = uow.clock.now()
        actor = load_actor(session, actor_id)
        if actor.role != Role.deputy:
            raise PermissionDeniedError("只有人大代表可以添加履职记录")
        try:
            kind = rules.EntryKind(kind)
        except ValueError:
            raise ValidationError("履职类型不正确", details={"field": "kind"}) from None
        if happened_on > now.astimezone(LOCAL_ZONE).date():
            raise ValidationError("履职日期不能晚于今天", details={"field": "happened_on"})
        if len(attachment_ids) > MAX_ENTRY_PHOTOS:
            raise ValidationError(f"最多上传 {MAX_ENTRY_PHOTOS} 张照片", details={"field": "attachment_ids"})
        photos = list(dict.fromkeys(attachment_ids))
        if photos and len(set(session.scalars(select(Attachment.id).where(Attachment.id.in_(photos))))) != len(photos):
            raise ValidationError("照片不存在，请重新上传", details={"field": "attachment_ids"})
        entry = DutyEntry(deputy_id=actor.person_id, kind=kind, title=clean_text(title, field="标题", limit=120),
                          happened_on=happened_on, place=clean_text(place, field="地点", limit=120, required=False),
                          note=clean_text(note, field="内容", limit=2000, required=False), created_at=now)
        session.add(entry)
        session.flush()
        session.add_all(DutyEntryPhoto(entry_id=entry.id, attachment_id=photo) for photo in photos)
        record_event(session, "entry", entry.id, "entry_added", actor, now,
                     data={"kind": kind.value, "photos": len(photos)})
        return entry


def set_duty_weights(uow: UnitOfWork, *, actor_id: int, weights: Mapping[str, float],
                     known: set[str] | None = None) -> dict[str, float]:
    """The district committee changes the published score formula's weights."""
    with uow.transaction() as session:
        now = uow.clock.now()
        actor = load_actor(session, actor_id)
        if actor.role != Role.district_committee:
            raise PermissionDeniedError("只有区人大常委会可以修改履职积分权重")
        clean = rules.check_weights(weights, known if known is not None else set(rules.SCORE_ITEMS))
        before = {row.key: row.weight for row in session.scalars(select(DutyWeight))}
        for key, value in clean.items():
            row = session.get(DutyWeight, key)
            if row is None:
                session.add(DutyWeight(key=key, weight=value, updated_by_id=actor.person_id, updated_at=now))
            elif row.weight != value:
                row.weight, row.updated_by_id, row.updated_at = value, actor.person_id, now
        record_event(session, "weights", 0, "weights_updated", actor, now,
                     data={"before": before, "after": clean})
        return clean
