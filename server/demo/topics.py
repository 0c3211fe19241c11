"""Demo halls: per street an open topic with opinions and supports, a scheduled one and a concluded one;
凯旋街道's "凤起东路行人过街安全" waits as a draft for 徐芳 to open, so the whole story can be tried."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import selectinload

from server.cases import service as cases
from server.cases.states import Satisfaction
from server.core.clock import ManualClock
from server.core.runtime import Runtime
from server.core.uow import UnitOfWork
from server.demo.people import COUNCIL_MEMBERS, OFFICE_STAFF
from server.halls import opinions
from server.halls import outcomes as topic_outcomes
from server.halls import service as topics
from server.halls.models import Topic
from server.people.models import Person
from server.people.rules import Role
from server.places.models import HandlingUnit, Street
from server.pushes.models import OutboxMessage

FENGQI_TITLE = "凤起东路行人过街安全"
FENGQI_BACKGROUND = ("凤起东路（景芳路口至秋涛路口）车流量大、车速快，行人横穿马路现象多，近期发生多起剐蹭。"
                     "街道拟会同交警增设隔离栏、优化信号灯配时，现征集居民意见：哪里最危险？怎么改最方便？")
OPEN_THEME = ("{community}老旧小区加装电梯意见征集",
              "{community}多幢住宅楼无电梯，老年居民上下楼不便。社区拟推进加装电梯，请就选址、费用分摊、施工影响等提出意见。")
SCHEDULED_THEME = ("{street}垃圾分类投放点调整方案",
                   "为减少投放点异味和噪音，街道拟调整部分小区的垃圾分类投放点位置和开放时间，方案公布后征集意见。")
CONCLUDED_THEME = ("{street}口袋公园改造",
                   "街道计划将闲置地块改造为口袋公园，就设施配置、开放时间和养护方式征集居民意见。")
OPEN_OPINIONS = [
    "建议优先给5层以上、老人多的楼加装，费用按楼层分摊比较公平。",
    "低层住户采光会受影响，希望设计时考虑，别把电梯井正对窗户。",
    "施工期间请安排好出入通道，家里有轮椅老人。",
    "能不能统一招标，价格透明一些，居民自己去谈太难了。",
]
CONCLUDED_OPINIONS = [
    "希望多放几张座椅，老人散步累了可以歇脚。",
    "公园里的路灯要够亮，晚上遛弯安全。",
    "建议设置儿童游乐区，但要和健身区隔开，避免碰撞。",
]


def load_demo_topics(runtime: Runtime) -> int:
    """Idempotent: a street's demo topics are made only if the street has none with their titles."""
    with runtime.uow().transaction() as session:
        first_outbox = session.scalar(select(func.max(OutboxMessage.id))) or 0
        streets = list(session.scalars(select(Street).options(selectinload(Street.communities)).order_by(Street.id)))
        existing = {(t.street_id, t.title) for t in session.scalars(select(Topic))}
        people = list(session.scalars(select(Person).where(Person.is_active.is_(True)).order_by(Person.id)))
        units = {u.name: u.id for u in session.scalars(select(HandlingUnit))}
    by_name = {p.name: p for p in people}
    residents = [p for p in people if p.role in (Role.resident, Role.council_member)]
    made = 0
    for street in streets:
        code = street.code
        office = by_name.get(OFFICE_STAFF.get(code, ""))
        if office is None:
            continue
        council = [by_name[n] for n in COUNCIL_MEMBERS.get(code, []) if n in by_name]
        local = council + [p for p in residents if p.street_id == street.id and p not in council]
        others = [p for p in residents if p.street_id != street.id]
        community = street.communities[0].name if street.communities else street.name
        names = {"street": street.name, "community": community}
        if (street.id, CONCLUDED_THEME[0].format(**names)) not in existing:
            _concluded(runtime, street, office, local, others, names, units)
            made += 1
        if (street.id, OPEN_THEME[0].format(**names)) not in existing:
            _open(runtime, street, office, local, others, names)
            made += 1
        if (street.id, SCHEDULED_THEME[0].format(**names)) not in existing:
            now = runtime.clock.now()
            topics.create_topic(runtime.uow(), actor_id=office.id, title=SCHEDULED_THEME[0].format(**names),
                                background=SCHEDULED_THEME[1], street_id=street.id,
                                opens_at=now + timedelta(days=2), closes_at=now + timedelta(days=9))
            made += 1
        if code == "kaixuan" and (street.id, FENGQI_TITLE) not in existing:
            topics.create_topic(runtime.uow(), actor_id=office.id, title=FENGQI_TITLE, background=FENGQI_BACKGROUND,
                                street_id=street.id, closes_at=runtime.clock.now() + timedelta(days=7))
            made += 1
    with runtime.uow().transaction() as session:
        # Pushes about the demo's past belong to the past: they must not go out now.
        session.execute(delete(OutboxMessage).where(OutboxMessage.id > first_outbox))
    return made


def _past_uow(runtime: Runtime, days_ago: float) -> tuple[UnitOfWork, ManualClock]:
    clock = ManualClock(runtime.clock.now() - timedelta(days=days_ago))
    return UnitOfWork(runtime.session_factory, clock=clock, storage=runtime.storage, settings=runtime.settings), clock


def _discuss(uow: UnitOfWork, clock: ManualClock, topic: Topic, texts: list[str], local, others) -> list:
    """Opinions by the street's people (council members first), each supported by a few others."""
    authors = (local + others)[:len(texts)]
    posted = []
    for index, (author, text) in enumerate(zip(authors, texts, strict=False)):
        clock.advance(hours=3)
        opinion = opinions.post_opinion(uow, author_id=author.id, topic_id=topic.id, text=text,
                                        source="wechat" if index % 2 else "miniapp")
        posted.append(opinion)
        for supporter in [p for p in local + others if p.id != author.id][: 4 - index % 4]:
            opinions.support_opinion(uow, person_id=supporter.id, opinion_id=opinion.id)
    return posted


def _open(runtime: Runtime, street, office, local, others, names) -> None:
    uow, clock = _past_uow(runtime, 2)
    topic = topics.create_topic(uow, actor_id=office.id, title=OPEN_THEME[0].format(**names),
                                background=OPEN_THEME[1].format(**names), street_id=street.id,
                                community_id=street.communities[0].id if street.communities else None,
                                closes_at=runtime.clock.now() + timedelta(days=5))
    topics.open_topic(uow, actor_id=office.id, topic_id=topic.id)
    posted = _discuss(uow, clock, topic, OPEN_OPINIONS, local, others)
    opinions.pin_opinion(uow, actor_id=office.id, opinion_id=posted[0].id)
    opinions.reply_to_opinion(uow, actor_id=office.id, opinion_id=posted[-1].id,
                              text="感谢建议，街道将与加装电梯服务单位沟通统一招标事宜。")


def _concluded(runtime: Runtime, street, office, local, others, names, units) -> Topic:
    uow, clock = _past_uow(runtime, 30)
    topic = topics.create_topic(uow, actor_id=office.id, title=CONCLUDED_THEME[0].format(**names),
                                background=CONCLUDED_THEME[1], street_id=street.id,
                                closes_at=clock.now() + timedelta(days=7))
    topics.open_topic(uow, actor_id=office.id, topic_id=topic.id)
    posted = _discuss(uow, clock, topic, CONCLUDED_OPINIONS, local, others)
    clock.advance(days=7)
    topics.close_due(uow)
    clock.advance(days=1)
    unit_id = units.get(street.name + "公共管理办公室")
    topic = topic_outcomes.conclude_topic(
        uow, actor_id=office.id, topic_id=topic.id,
        summary=f"共收到居民意见 {len(posted)} 条。方案采纳增设座椅和照明的建议，已转公共管理办公室办理；儿童游乐区纳入下一期改造。"
        ,
        adopted_opinion_ids=[o.id for o in posted[:2]],
        case_requests=[topic_outcomes.OpinionCase(opinion_id=posted[1].id, unit_id=unit_id)],
        follow_ups=["儿童游乐区纳入下一期口袋公园改造计划"])
    # The unit fixes it two days later and the resident is satisfied: the core loop closes.
    case_id = topic_outcomes.opinion_case_id(uow, opinion_id=posted[1].id)
    staff = _unit_staff(uow, unit_id)
    if case_id is not None and staff is not None:
        clock.advance(days=2)
        cases.resolve_case(uow, actor_id=staff, case_id=case_id, feedback="已增设座椅6张、庭院灯4盏，附现场照片。")
        cases.rate_case(uow, actor_id=posted[1].author_id, case_id=case_id, satisfaction=Satisfaction.satisfied)
    return topic


def _unit_staff(uow: UnitOfWork, unit_id: int | None) -> int | None:
    with uow.transaction() as session:
        return session.scalar(select(Person.id).where(Person.role == Role.handling_unit,
                                                       Person.handling_unit_id == unit_id))
