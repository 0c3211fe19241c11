"""Demo 区街联动: the seed's 采荷街道 无障碍设施提升改造专项视察 (an inspection with deputies, a residents'
collection in the hall, 52 suggestions, returned once and accepted), plus tasks in other states: a survey
being worked on by four streets, one overdue street, and a draft. Idempotent by task title."""
from __future__ import annotations

import io
from datetime import timedelta

from PIL import Image, ImageDraw
from sqlalchemy import delete, func, select

from server.core.clock import LOCAL_ZONE, ManualClock
from server.core.runtime import Runtime
from server.core.uow import UnitOfWork
from server.halls import opinions
from server.halls import service as halls
from server.halls.models import Topic
from server.linkage import service as linkage
from server.linkage.jobs import sweep_linkage_deadlines
from server.linkage.models import LinkageAssignment, LinkageTask
from server.linkage.queries import my_invitations
from server.linkage.service import Upload
from server.people.models import Person
from server.people.rules import Role
from server.places.models import Community, HandlingUnit, Street
from server.pushes.models import OutboxMessage

ACCESSIBILITY = "无障碍设施提升改造专项视察"
ACCESSIBILITY_BRIEF = (
    "根据区人大常委会年度监督工作计划，请采荷街道人大工委组织辖区人大代表，对辖区无障碍设施提升改造情况开展专项视察："
    "重点查看盲道、坡道、无障碍卫生间和公共建筑出入口，同步通过议事厅向居民征集意见，形成视察报告和意见建议清单报区人大常委会。")
# Residents of 采荷 who take part in the collection (the reference data has only a few).
CAIHE_RESIDENTS = ["吴桂英", "郑伟", "王秀兰", "冯建军", "陈丽娟", "褚国强", "卫晓燕", "蒋志明", "沈玉芳", "韩立新",
                   "杨春燕", "朱德明", "秦淑芬", "尤海波", "许美华", "何建平", "吕秀珍", "施国华", "张翠兰", "孔令军"]
PLACES = ["芙蓉社区", "双菱社区", "洁莲社区", "采荷路", "凯旋路", "秋涛路", "采荷公园", "庆春东路", "邵逸夫医院门口",
          "采荷菜场"]
RESIDENT_PROBLEMS = [
    "{place}的盲道被共享单车和电动车占用，视障人士没法走", "{place}人行道坡道太陡，轮椅推不上去",
    "{place}公厕没有无障碍扶手，老人如厕不方便", "{place}公交站台与人行道有高差，轮椅上不了车",
    "{place}商铺门口台阶没有坡道，坐轮椅进不去", "{place}的盲道中间有井盖和树池，容易绊倒",
    "{place}过街红绿灯没有语音提示，盲人过马路危险", "{place}无障碍停车位经常被普通车辆占用",
]
DEPUTY_SUGGESTIONS = [
    "建议对辖区盲道进行全面排查，建立问题清单，限期整改占道和断头盲道。",
    "建议在社区卫生服务中心、菜场等老年人常去的场所优先完善无障碍坡道和扶手。",
    "建议城管加强盲道占用的日常巡查，对共享单车企业落实停放管理责任。",
    "建议交警部门在采荷路、凯旋路主要路口增设过街语音提示装置。",
    "建议新建、改建项目在竣工验收时把无障碍设施作为必查项目。",
    "建议公交站台改造时同步解决站台与人行道的高差问题。",
    "建议街道建立无障碍设施“随手拍”渠道，发动居民共同监督。",
    "建议对无障碍停车位加装地锁或标识，联合交警加大违停处罚。",
    "建议老旧小区改造把单元门口坡道纳入必改清单。",
    "建议在社区设立残疾人、老年人出行需求登记，精准改造。",
    "建议对已完成改造的设施开展回头看，防止“建而不用”。",
    "建议把无障碍环境建设纳入街道年度民生实事项目。",
]
INSPECTION_NOTE = "代表实地查看了采荷路、凯旋路沿线盲道及芙蓉社区、洁莲社区公共厕所等8个点位，现场发现问题12处。"
REPORT = ("采荷街道无障碍设施提升改造专项视察报告\n一、基本情况：组织区人大代表视察1次，实地查看点位8个；"
          "同步开通议事厅征集居民意见。\n二、发现的主要问题：盲道被占用、断头盲道、坡道坡度过大、公厕缺少扶手、"
          "公交站台高差等。\n三、意见建议：代表建议12条，居民意见40条，共52条，其中3条已转为民情民意事项进入72小时办理流程。")


def load_demo_linkage(runtime: Runtime) -> int:
    """Make the demo tasks that are missing; returns how many were made."""
    with runtime.uow().transaction() as session:
        existing = set(session.scalars(select(LinkageTask.title)))
        first_outbox = session.scalar(select(func.max(OutboxMessage.id))) or 0
        district = session.scalar(select(Person.id).where(Person.role == Role.district_committee).order_by(Person.id))
        streets = {s.code: s.id for s in session.scalars(select(Street))}
    if district is None or "caihe" not in streets:
        return 0
    made = 0
    if ACCESSIBILITY not in existing:
        _accessibility(runtime, district, streets)
        made += 1
    if "老旧小区加装电梯推进情况联动调研" not in existing:
        _survey(runtime, district, streets)
        made += 1
    if "电动自行车充电设施安全联动监督" not in existing:
        _overdue(runtime, district, streets)
        made += 1
    if "背街小巷环境整治联动监督" not in existing:
        linkage.create_task(runtime.uow(), actor_id=district, kind="supervision", title="背街小巷环境整治联动监督",
                            brief="请各街道组织代表对背街小巷环境卫生、违章搭建、乱停乱放开展联动监督，形成问题清单。",
                            due_date=_today(runtime) + timedelta(days=30),
                            street_ids=[streets["xiaoying"], streets["wangjiang"]])
        made += 1
    sweep_linkage_deadlines(runtime.uow())  # the overdue street is flagged as the window shows it
    with runtime.uow().transaction() as session:
        # Pushes about the demo's past belong to the past: they must not go out now.
        session.execute(delete(OutboxMessage).where(OutboxMessage.id > first_outbox))
    return made


def _today(runtime: Runtime):
    return runtime.clock.now().astimezone(LOCAL_ZONE).date()


def _past(runtime: Runtime, days_ago: float) -> tuple[UnitOfWork, ManualClock]:
    clock = ManualClock(runtime.clock.now() - timedelta(days=days_ago))
    return UnitOfWork(runtime.session_factory, clock=clock, storage=runtime.storage, settings=runtime.settings), clock


def _photo(caption_color: tuple[int, int, int]) -> bytes:
    image = Image.new("RGB", (640, 420), (226, 232, 240))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 300, 640, 420), fill=(120, 130, 140))  # the pavement
    for x in range(40, 640, 60):
        draw.rectangle((x, 330, x + 40, 350), fill=(240, 200, 40))  # tactile paving
    draw.polygon([(420, 300), (640, 220), (640, 300)], fill=caption_color)  # a ramp
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()


def _pdf(title: str) -> bytes:
    return (f"%PDF-1.4\n% {title}\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
            "2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n").encode()


def _people(runtime: Runtime, street_id: int) -> tuple[int, list[int], list[int]]:
    """The street's office, its deputies, and residents for the collection (made once)."""
    with runtime.uow().transaction() as session:
        communities = list(session.scalars(select(Community.id).where(Community.street_id == street_id)
                                           .order_by(Community.id)))
        known = set(session.scalars(select(Person.name).where(Person.street_id == street_id)))
        for index, name in enumerate(CAIHE_RESIDENTS):
            if name not in known:
                session.add(Person(name=name, role=Role.resident, street_id=street_id, is_active=True,
                                   community_id=communities[index % len(communities)] if communities else None,
                                   created_at=runtime.clock.now() - timedelta(days=90)))
        session.flush()
        office = session.scalar(select(Person.id).where(Person.role == Role.street_office, Person.street_id == street_id))
        deputies = list(session.scalars(select(Person.id).where(Person.role == Role.deputy, Person.street_id == street_id)
                                        .order_by(Person.id)))
        residents = list(session.scalars(select(Person.id).where(
            Person.role.in_([Role.resident, Role.council_member]), Person.street_id == street_id).order_by(Person.id)))
    return office, deputies, residents


def _accessibility(runtime: Runtime, district: int, streets: dict[str, int]) -> None:
    caihe = streets["caihe"]
    office, deputies, residents = _people(runtime, caihe)
    with runtime.uow().transaction() as session:
        visiting = list(session.scalars(select(Person.id).where(Person.role == Role.deputy, Person.street_id.in_(
            [streets["kaixuan"], streets["qingbo"]])).order_by(Person.id)))[:2]
        unit = session.scalar(select(HandlingUnit.id).where(HandlingUnit.name == "采荷街道公共管理办公室"))
    uow, clock = _past(runtime, 24)
    task = linkage.create_task(uow, actor_id=district, kind="assignment", title=ACCESSIBILITY, brief=ACCESSIBILITY_BRIEF,
                               due_date=(clock.now() + timedelta(days=18)).astimezone(LOCAL_ZONE).date(),
                               street_ids=[caihe], files=[Upload("无障碍设施专项视察工作方案.pdf", _pdf("方案"))])
    linkage.issue_task(uow, actor_id=district, task_id=task.id)
    assignment_id = _assignment(uow, task.id)
    clock.advance(hours=5)
    linkage.acknowledge_assignment(uow, actor_id=office, assignment_id=assignment_id)
    clock.advance(days=1)
    inspection = linkage.plan_activity(uow, actor_id=office, assignment_id=assignment_id, kind="inspection",
                                       title="无障碍设施提升改造专项视察", starts_at=clock.now() + timedelta(days=6),
                                       place="采荷街道办事处一楼会议室集合", deputy_ids=deputies + visiting,
                                       note="视察路线：采荷路—芙蓉社区—洁莲社区—凯旋路")
    linkage.open_collection(uow, actor_id=office, assignment_id=assignment_id, title="无障碍设施哪里不方便？",
                            background="街道正在开展无障碍设施专项视察，请告诉我们您身边盲道、坡道、无障碍卫生间等设施的问题。",
                            closes_at=clock.now() + timedelta(days=10))
    with uow.transaction() as session:
        topic_id = session.get(LinkageAssignment, assignment_id).topic_id
    for deputy in deputies + visiting:
        clock.advance(hours=2)
        for invitation in my_invitations(uow, deputy_id=deputy, limit=5):
            linkage.answer_invitation(uow, actor_id=deputy, invitation_id=invitation["id"],
                                      attend=deputy != visiting[-1] if visiting else True)
    for index in range(40):
        clock.advance(hours=4)
        text = RESIDENT_PROBLEMS[index % len(RESIDENT_PROBLEMS)].format(place=PLACES[(index * 3) % len(PLACES)])
        opinions.post_opinion(uow, author_id=residents[index % len(residents)], topic_id=topic_id,
                              text=text if index < len(RESIDENT_PROBLEMS) * 2 else f"{text}，希望尽快解决")
    clock.set(inspection.starts_at + timedelta(hours=3))
    linkage.record_attendance(uow, actor_id=office, activity_id=inspection.id, attended_ids=deputies + visiting[:1],
                              note=INSPECTION_NOTE, photos=[Upload("视察现场-坡道.jpg", _photo((90, 140, 200))),
                                                            Upload("视察现场-盲道.jpg", _photo((200, 120, 80)))])
    suggestions = []
    for index, text in enumerate(DEPUTY_SUGGESTIONS):
        clock.advance(hours=3)
        author = (deputies + visiting[:1])[index % len(deputies + visiting[:1])]
        suggestions.append(linkage.add_suggestion(uow, actor_id=office, assignment_id=assignment_id, text=text,
                                                  author_id=author))
    clock.set(max(clock.now(), _topic_closes(uow, topic_id)) + timedelta(minutes=5))
    halls.close_due(uow)
    linkage.collect_hall_opinions(uow, actor_id=office, assignment_id=assignment_id)
    for suggestion in suggestions[2:5]:
        linkage.make_case_from_suggestion(uow, actor_id=office, suggestion_id=suggestion.id, unit_id=unit)
    clock.advance(hours=6)
    linkage.submit_results(uow, actor_id=office, assignment_id=assignment_id, report=REPORT.replace("报告\n", "报告（初稿）\n", 1),
                           files=[Upload("采荷街道无障碍设施专项视察报告.pdf", _pdf("报告"))])
    clock.advance(days=1)
    linkage.return_results(uow, actor_id=district, assignment_id=assignment_id,
                           comment="请在报告中补充每个问题的责任单位和整改时限。")
    clock.advance(days=1)
    linkage.submit_results(uow, actor_id=office, assignment_id=assignment_id,
                           report=REPORT + "\n四、整改责任：12处问题已逐一明确责任单位，整改时限均在30日内。")
    clock.advance(days=1)
    linkage.accept_results(uow, actor_id=district, assignment_id=assignment_id, comment="报告翔实，建议清单已转相关部门。")
    clock.advance(hours=2)
    linkage.close_task(uow, actor_id=district, task_id=task.id)


def _assignment(uow: UnitOfWork, task_id: int, street_id: int | None = None) -> int:
    with uow.transaction() as session:
        query = select(LinkageAssignment.id).where(LinkageAssignment.task_id == task_id)
        if street_id is not None:
            query = query.where(LinkageAssignment.street_id == street_id)
        return session.scalar(query.order_by(LinkageAssignment.id))


def _topic_closes(uow: UnitOfWork, topic_id: int):
    with uow.transaction() as session:
        return session.get(Topic, topic_id).closes_at


def _office(uow: UnitOfWork, street_id: int) -> int:
    with uow.transaction() as session:
        return session.scalar(select(Person.id).where(Person.role == Role.street_office, Person.street_id == street_id))


def _deputies(uow: UnitOfWork, street_id: int) -> list[int]:
    with uow.transaction() as session:
        return list(session.scalars(select(Person.id).where(Person.role == Role.deputy, Person.street_id == street_id)))


def _survey(runtime: Runtime, district: int, streets: dict[str, int]) -> None:
    uow, clock = _past(runtime, 3)
    codes = ["hubin", "kaixuan", "caihe", "qingbo"]
    task = linkage.create_task(uow, actor_id=district, kind="survey", title="老旧小区加装电梯推进情况联动调研",
                               brief="请各街道组织代表调研老旧小区加装电梯的推进情况、主要困难和居民诉求，提出意见建议。",
                               due_date=(runtime.clock.now() + timedelta(days=12)).astimezone(LOCAL_ZONE).date(),
                               street_ids=[streets[c] for c in codes])
    linkage.issue_task(uow, actor_id=district, task_id=task.id)
    for code in ("hubin", "kaixuan"):
        clock.advance(hours=6)
        assignment_id = _assignment(uow, task.id, streets[code])
        office = _office(uow, streets[code])
        linkage.acknowledge_assignment(uow, actor_id=office, assignment_id=assignment_id)
        if code == "hubin":
            linkage.plan_activity(uow, actor_id=office, assignment_id=assignment_id, kind="survey",
                                  title="加装电梯入户调研", starts_at=runtime.clock.now() + timedelta(days=2, hours=2),
                                  place="湖滨街道青年路社区", deputy_ids=_deputies(uow, streets[code]))


def _overdue(runtime: Runtime, district: int, streets: dict[str, int]) -> None:
    uow, clock = _past(runtime, 15)
    task = linkage.create_task(uow, actor_id=district, kind="supervision", title="电动自行车充电设施安全联动监督",
                               brief="请街道组织代表对辖区电动自行车集中充电设施的建设和消防安全情况开展监督。",
                               due_date=(runtime.clock.now() - timedelta(days=2)).astimezone(LOCAL_ZONE).date(),
                               street_ids=[streets["qingbo"], streets["wangjiang"]])
    linkage.issue_task(uow, actor_id=district, task_id=task.id)
    qingbo = _assignment(uow, task.id, streets["qingbo"])
    clock.advance(days=1)
    linkage.acknowledge_assignment(uow, actor_id=_office(uow, streets["qingbo"]), assignment_id=qingbo)
    clock.advance(days=8)
    linkage.add_suggestion(uow, actor_id=_office(uow, streets["qingbo"]), assignment_id=qingbo,
                           text="建议在老旧小区增设集中充电桩，杜绝飞线充电。", author_id=_deputies(uow, streets["qingbo"])[0])
    linkage.submit_results(uow, actor_id=_office(uow, streets["qingbo"]), assignment_id=qingbo,
                           report="清波街道共检查集中充电点14处，发现隐患3处，已督促整改。")
    clock.advance(days=1)
    linkage.acknowledge_assignment(uow, actor_id=_office(uow, streets["wangjiang"]),
                                   assignment_id=_assignment(uow, task.id, streets["wangjiang"]))
