"""`minyi seed-demo`: reference data plus a few hundred past cases made through the real case engine."""
from __future__ import annotations

import contextlib
import random
from datetime import timedelta

from sqlalchemy import delete, func, select
from werkzeug.security import generate_password_hash

from server.cases import service as cases
from server.cases.models import Case
from server.cases.states import CaseState, Satisfaction
from server.core.clock import ManualClock
from server.core.errors import DomainError
from server.core.runtime import Runtime
from server.core.uow import UnitOfWork
from server.demo import people as demo_people
from server.demo.deputies import load_demo_deputies
from server.demo.linkage import load_demo_linkage
from server.demo.reference import CATEGORIES, DISTRICT_UNITS, STREET_UNITS, STREETS
from server.demo.topics import load_demo_topics
from server.people.models import Person
from server.people.rules import Role
from server.places.models import Category, Community, HandlingUnit, RoutingRule, Street
from server.pushes.models import OutboxMessage
from server.statistics.rollup import rebuild_figures

DEMO_CASES = 300
HISTORY_DAYS = 60


def load_demo(runtime: Runtime, *, case_count: int = DEMO_CASES) -> dict[str, int]:
    """Idempotent: reference rows are matched by their natural keys; past cases are made once."""
    uow = runtime.uow()
    with uow.transaction() as session:
        created = _load_reference(session, runtime.clock.now())
    with uow.transaction() as session:
        has_history = session.scalar(select(func.count()).select_from(Case).where(Case.source == "demo"))
    made = 0 if has_history else _make_history(runtime, case_count)
    topics_made = load_demo_topics(runtime)
    linkage_made = load_demo_linkage(runtime)
    receptions_made = load_demo_deputies(runtime)
    with uow.transaction() as session:
        total = session.scalar(select(func.count()).select_from(Case))
    rebuild_figures(uow)  # the panoramic window shows the demo's figures at once
    return {"reference_rows_created": created, "demo_cases_created": made, "cases_total": total,
            "demo_topics_created": topics_made, "demo_linkage_tasks_created": linkage_made,
            "demo_reception_days_created": receptions_made}


def _get_or_add(session, model, defaults=None, **keys):
    row = session.scalar(select(model).filter_by(**keys))
    if row is not None:
        return row, 0
    row = model(**keys, **(defaults or {}))
    session.add(row)
    session.flush()
    return row, 1


def _load_reference(session, now) -> int:
    created = 0
    password = None
    district_units = {}
    for name, platform in DISTRICT_UNITS:
        unit, n = _get_or_add(session, HandlingUnit, {"platform": platform, "street_id": None}, name=name)
        district_units[name] = unit
        created += n
    categories = {}
    for code, name, platform, keywords, _unit in CATEGORIES:
        category, n = _get_or_add(session, Category, {"name": name, "platform": platform, "keywords": keywords},
                                  code=code)
        categories[code] = category
        created += n

    def person(name, role, username=None, **scope):
        nonlocal password, created
        row = session.scalar(select(Person).filter_by(name=name, role=role))
        if row is None:
            if username and password is None:
                password = generate_password_hash(demo_people.DEMO_PASSWORD)
            row = Person(name=name, role=role, username=username, password_hash=password if username else None,
                         is_active=True, created_at=now, **scope)
            session.add(row)
            session.flush()
            created += 1
        return row

    for code, street_name, community_names in STREETS:
        street, n = _get_or_add(session, Street, {"name": street_name}, code=code)
        created += n
        communities = []
        for community_name in community_names:
            community, n = _get_or_add(session, Community, street_id=street.id, name=community_name)
            communities.append(community)
            created += n
        units = {}
        for suffix, platform in STREET_UNITS:
            unit, n = _get_or_add(session, HandlingUnit, {"platform": platform, "street_id": street.id},
                                  name=street_name.removesuffix("街道") + "街道" + suffix)
            units[suffix] = unit
            created += n
            person(f"{unit.name}联络员", Role.handling_unit, f"{code}-{suffix_code(suffix)}",
                   handling_unit_id=unit.id, street_id=street.id)
            for staff_name, username in demo_people.UNIT_STAFF.get((code, suffix), []):
                # A unit's first account is its head; these are staff the head gives cases to.
                person(staff_name, Role.handling_unit, username, handling_unit_id=unit.id, street_id=street.id)
        for cat_code, _name, _platform, _keywords, unit_key in CATEGORIES:
            unit = units.get(unit_key) or district_units[unit_key]
            _rule, n = _get_or_add(session, RoutingRule, {"handling_unit_id": unit.id},
                                   category_id=categories[cat_code].id, street_id=street.id)
            created += n
        for index, name in enumerate(demo_people.DEPUTIES[code]):
            person(name, Role.deputy, f"{code}-deputy{index + 1}", street_id=street.id)
        person(demo_people.OFFICE_STAFF[code], Role.street_office, f"{code}-office", street_id=street.id)
        for index, name in enumerate(demo_people.COUNCIL_MEMBERS.get(code, [])):
            person(name, Role.council_member, None, street_id=street.id,
                   community_id=communities[index % len(communities)].id)
        for index, name in enumerate(demo_people.RESIDENTS[code]):
            person(name, Role.resident, None, street_id=street.id,
                   community_id=communities[index % len(communities)].id)
    for name, unit in district_units.items():
        person(f"{name}联络员", Role.handling_unit, "district-traffic", handling_unit_id=unit.id)
    for name in demo_people.DISTRICT_STAFF:
        person(name, Role.district_committee, "district")
    return created


def suffix_code(suffix: str) -> str:
    return {"公共管理办公室": "public", "综合行政执法队": "enforcement", "市场监管所": "market",
            "便民服务中心": "services"}[suffix]


# How well each street's offices and units work in the demo (the seed's 赛马晾晒 needs differences).
STREET_QUALITY = {"hubin": 0.97, "caihe": 0.94, "kaixuan": 0.9, "xiaoying": 0.87, "qingbo": 0.84, "wangjiang": 0.8}


def _make_history(runtime: Runtime, case_count: int) -> int:
    """Past cases with realistic timings: most resolved inside 72 h and rated, some not."""
    rng = random.Random(2018)
    now = runtime.clock.now()
    clock = ManualClock(now - timedelta(days=HISTORY_DAYS))
    uow = UnitOfWork(runtime.session_factory, clock=clock, storage=runtime.storage, settings=runtime.settings)
    with uow.transaction() as session:
        reporters = list(session.scalars(select(Person).where(Person.role.in_([Role.resident, Role.council_member]))))
        deputies = list(session.scalars(select(Person).where(Person.role == Role.deputy)))
        offices = {p.street_id: p for p in session.scalars(select(Person).where(Person.role == Role.street_office))}
        unit_staff = {p.handling_unit_id: p for p in session.scalars(select(Person).where(Person.role == Role.handling_unit))}
        rules = {(r.category_id, r.street_id): r.handling_unit_id for r in session.scalars(select(RoutingRule))}
        district = session.scalar(select(Person).where(Person.role == Role.district_committee))
        quality = {street.id: STREET_QUALITY.get(street.code, 0.9) for street in session.scalars(select(Street))}
    starts = sorted(now - timedelta(days=HISTORY_DAYS) + timedelta(seconds=rng.uniform(0, HISTORY_DAYS * 86400))
                    for _ in range(case_count))
    made = 0
    for start in starts:
        clock.set(start)
        reporter = rng.choice(reporters)
        case = cases.submit_case(uow, reporter_id=reporter.id, description=rng.choice(demo_people.PROBLEMS),
                                 source="demo", contact_consent=rng.random() < 0.4)
        made += 1
        # A step the engine refuses is simply where this story stops.
        with contextlib.suppress(DomainError):
            _play(uow, clock, rng, case, deputies, offices, unit_staff, rules, district, now,
                  quality[case.street_id])
    with uow.transaction() as session:
        # Past pushes belong to the past: the demo must not send them now.
        session.execute(delete(OutboxMessage))
    return made


def _play(uow, clock, rng, case, deputies, offices, unit_staff, rules, district, now, quality: float) -> None:
    def step(hours: float) -> bool:
        clock.advance(hours=hours)
        return clock.now() < now

    area = [d for d in deputies if d.street_id == case.street_id]
    if not step(rng.uniform(0.2, 14)):
        return
    if clock.now() - case.submitted_at >= timedelta(hours=12):
        cases.auto_forward_case(uow, case_id=case.id)
    else:
        cases.accept_case(uow, actor_id=rng.choice(area).id, case_id=case.id)
    office = offices[case.street_id]
    if rng.random() < 0.04:
        cases.reject_case(uow, actor_id=office.id, case_id=case.id, reason="不属于人大街道工委受理范围，已告知反映人其他渠道")
        return
    if not step(rng.uniform(0.5, 6)):
        return
    unit_id = rules.get((case.category_id, case.street_id)) or next(iter(unit_staff))
    cases.route_case(uow, actor_id=office.id, case_id=case.id, unit_id=unit_id)
    late = rng.random() < 0.02 + (1 - quality) * 0.5
    if not step(rng.uniform(80, 100) if late else rng.uniform(4, 50)):
        return
    if late:
        case = uow_case(uow, case.id)
        if case.state == CaseState.routed:
            cases.escalate_case(uow, actor_id=None, case_id=case.id, reason="超过72小时未办结", overdue=True)
            cases.route_case(uow, actor_id=district.id, case_id=case.id, unit_id=unit_id)
            clock.advance(hours=4)
    cases.resolve_case(uow, actor_id=unit_staff[unit_id].id, case_id=case.id,
                       feedback=rng.choice(demo_people.FEEDBACK))
    if not step(rng.uniform(1, 30)):
        return
    roll = rng.random()
    if roll < quality - 0.12:
        cases.rate_case(uow, actor_id=case.reporter_id, case_id=case.id, satisfaction=Satisfaction.satisfied)
    elif roll < quality:
        cases.rate_case(uow, actor_id=case.reporter_id, case_id=case.id,
                        satisfaction=Satisfaction.basically_satisfied)
    elif roll < quality + (1 - quality) * 0.6:
        # 不满意: back to the unit (重办), fixed again and rated once more.
        cases.rate_case(uow, actor_id=case.reporter_id, case_id=case.id, satisfaction=Satisfaction.dissatisfied,
                        comment="问题没有彻底解决")
        if not step(rng.uniform(6, 40)):
            return
        cases.resolve_case(uow, actor_id=unit_staff[unit_id].id, case_id=case.id,
                           feedback="已重新处理并现场复核，问题已解决。")
        if not step(rng.uniform(2, 24)):
            return
        cases.rate_case(uow, actor_id=case.reporter_id, case_id=case.id,
                        satisfaction=rng.choice([Satisfaction.basically_satisfied, Satisfaction.dissatisfied,
                                                 Satisfaction.satisfied]))
    elif clock.now() + timedelta(days=7) < now:
        clock.advance(days=7)
        cases.auto_close_case(uow, case_id=case.id)


def uow_case(uow: UnitOfWork, case_id: int) -> Case:
    with uow.transaction() as session:
        return session.get(Case, case_id)
