"""Demo deputy work: a contact station per street with its deputies, two past reception days (held,
with visitors, matters and the cases made of them, carried through the 72-hour loop) and one coming
day per street, and a few duty entries; made through the real services at past clock times."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import delete, func, select

from server.cases import service as cases
from server.cases.states import Satisfaction
from server.core.clock import LOCAL_ZONE, ManualClock
from server.core.runtime import Runtime
from server.core.uow import UnitOfWork
from server.deputies import receptions, service
from server.deputies.models import ContactStation, ReceptionMatter
from server.people.models import Person
from server.people.rules import Role
from server.places.models import Community, HandlingUnit, Street
from server.pushes.models import OutboxMessage

STATION_ADDRESSES = {
    "hubin": "东坡路8号湖滨街道社区服务中心二楼", "kaixuan": "凤起东路358号凯旋街道办事处一楼",
    "caihe": "采荷路21号采荷街道文化家园三楼", "qingbo": "劳动路105号清波街道便民服务中心",
    "xiaoying": "小营巷60号小营街道党群服务中心", "wangjiang": "近江路11号望江街道人大代表之家",
}
OPENING_HOURS = "工作日 9:00-11:30、14:00-17:00"
VISITORS = [("吴阿姨", ["楼道里电动车充电乱拉电线，存在火灾隐患"]),
            ("陈师傅", ["小区门口人行道被共享单车占满，轮椅过不去", "希望社区食堂延长晚餐供应时间"]),
            ("周大伯", ["老旧小区加装电梯的补贴怎么申请？"])]
ENTRIES = [("meeting", "参加区人大常委会代表座谈会", 12), ("training", "参加代表履职能力培训班", 25),
           ("visit", "走访选区困难家庭和独居老人", 5)]


def load_demo_deputies(runtime: Runtime) -> int:
    """Idempotent: nothing is made when a station exists. Returns the number of reception days made."""
    with runtime.uow().transaction() as session:
        if session.scalar(select(func.count()).select_from(ContactStation)):
            return 0
        streets = list(session.scalars(select(Street).order_by(Street.id)))
        first_outbox = session.scalar(select(func.max(OutboxMessage.id))) or 0
    now = runtime.clock.now()
    clock = ManualClock(now - timedelta(days=40))
    uow = UnitOfWork(runtime.session_factory, clock=clock, storage=runtime.storage, settings=runtime.settings)
    made = 0
    for street in streets:
        made += _street(uow, clock, street, now)
    with uow.transaction() as session:
        # Pushes of the past belong to the past; the coming days' notices to the deputies stay.
        session.execute(delete(OutboxMessage).where(OutboxMessage.id > first_outbox, OutboxMessage.created_at < now))
    return made


def _local(day: datetime, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day.astimezone(LOCAL_ZONE).date(), time(hour, minute), LOCAL_ZONE)


def _street(uow: UnitOfWork, clock: ManualClock, street: Street, now: datetime) -> int:
    with uow.transaction() as session:
        office = session.scalar(select(Person).where(Person.role == Role.street_office, Person.street_id == street.id))
        deputies = list(session.scalars(select(Person).where(Person.role == Role.deputy, Person.street_id == street.id)
                                        .order_by(Person.id)))
        communities = list(session.scalars(select(Community.id).where(Community.street_id == street.id)
                                           .order_by(Community.id)))
        unit = session.scalar(select(HandlingUnit.id).where(HandlingUnit.street_id == street.id).order_by(HandlingUnit.id))
        unit_staff = session.scalar(select(Person.id).where(Person.handling_unit_id == unit))
    clock.set(now - timedelta(days=40))
    station = service.create_station(uow, actor_id=office.id, street_id=street.id, name=f"{street.name}人大代表联络站",
                                     address=STATION_ADDRESSES.get(street.code, f"{street.name}办事处"),
                                     opening_hours=OPENING_HOURS, community_id=communities[0] if communities else None)
    for index, deputy in enumerate(deputies):
        area = communities[index::len(deputies)] if len(deputies) > 1 else []
        service.update_deputy_profile(uow, actor_id=office.id, deputy_id=deputy.id, title="上城区人大代表",
                                      station_id=station.id, community_ids=area)
    duty = [d.id for d in deputies]
    for days_ago in (30, 10):
        start = _local(now - timedelta(days=days_ago), 9)
        clock.set(start - timedelta(days=7))
        reception = receptions.schedule_reception(uow, actor_id=office.id, station_id=station.id, starts_at=start,
                                                  ends_at=start + timedelta(hours=2, minutes=30), deputy_ids=duty,
                                                  topic="代表进站接待群众")
        clock.set(start + timedelta(minutes=20))
        for number, (name, matters) in enumerate(VISITORS[: 2 if days_ago == 30 else 3]):
            visit = receptions.record_visit(uow, actor_id=duty[number % len(duty)], reception_id=reception.id,
                                            visitor_name=name, community_id=communities[number % len(communities)],
                                            matters=matters)
            clock.advance(minutes=25)
            _first_matter_to_case(uow, clock, visit.id, duty[number % len(duty)], office.id, unit, unit_staff)
        receptions.close_reception(uow, actor_id=duty[0], reception_id=reception.id, summary="接待群众，收集诉求并转办")
    for deputy, (kind, title, days_ago) in zip(deputies, ENTRIES, strict=False):
        clock.set(now - timedelta(days=days_ago - 1))
        service.add_duty_entry(uow, actor_id=deputy.id, kind=kind, title=title,
                               happened_on=(now - timedelta(days=days_ago)).astimezone(LOCAL_ZONE).date(),
                               place=street.name)
    clock.set(now - timedelta(hours=1))
    coming = _local(now + timedelta(days=3), 9)
    receptions.schedule_reception(uow, actor_id=office.id, station_id=station.id, starts_at=coming,
                                  ends_at=coming + timedelta(hours=2, minutes=30), deputy_ids=duty,
                                  topic="老旧小区加装电梯政策解答")
    return 3


def _first_matter_to_case(uow, clock, visit_id, deputy_id, office_id, unit_id, unit_staff_id) -> None:
    """The visit's first matter becomes a case; the street routes it, the unit resolves it, it is rated."""
    with uow.transaction() as session:
        matter_id = session.scalar(select(ReceptionMatter.id).where(ReceptionMatter.visit_id == visit_id)
                                   .order_by(ReceptionMatter.id))
    case = receptions.raise_case_from_matter(uow, actor_id=deputy_id, matter_id=matter_id)
    clock.advance(hours=3)
    cases.route_case(uow, actor_id=office_id, case_id=case.id, unit_id=unit_id)
    clock.advance(hours=30)
    cases.resolve_case(uow, actor_id=unit_staff_id, case_id=case.id, feedback="已现场处理，感谢代表和群众反映。")
    clock.advance(hours=5)
    cases.rate_case(uow, actor_id=case.reporter_id, case_id=case.id, satisfaction=Satisfaction.satisfied)
    clock.advance(hours=-38)
