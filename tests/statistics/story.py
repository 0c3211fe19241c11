"""A small district story whose figures are computed by hand in the tests (times in Asia/Shanghai).

T0 = 2 Nov 2026 09:00. In 湖滨: A (accepted 1 h, resolved 30 h, 满意), C (A's duplicate, merged),
D (rejected after 1 h), E (routed 1 h, resolved 20 h, 不满意 → reopened, resolved again at 50 h, 满意),
F (submitted 23:30, resolved 01:30 the next day: across midnight), G (nobody answers; overdue and
escalated at 72 h), H (routed 1 h, resolved 10 h, 不满意: reopened and open). In 凯旋: B (routed after
13 h, resolved at 100 h, 基本满意). The story ends at T0 + 101 h (6 Nov 14:00).
"""
from __future__ import annotations

from datetime import UTC, datetime

from server.cases import service as cases

T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


def at(clock, hours: float) -> None:
    from datetime import timedelta

    clock.set(T0 + timedelta(hours=hours))


def tell_story(world, runtime, clock, *, pause=None) -> dict:
    """Make the cases; `pause(hours)` is called at T0 + 40 h (to roll up halfway) when given."""
    uow = runtime.uow
    greenery, facilities = world.category("greenery"), world.category("facilities")
    hubin_unit, kaixuan_unit = world.unit("湖滨街道公共管理办公室"), world.unit("凯旋街道便民服务中心")
    office, kaixuan_office = world.office("hubin").id, world.office("kaixuan").id
    unit_staff, kaixuan_staff = world.unit_staff(hubin_unit.name).id, world.unit_staff(kaixuan_unit.name).id
    deputy = world.person("严民强").id

    at(clock, 0)
    a = world.create_case(description="祖庙巷51号小区绿化枯萎需要补种", category_id=greenery.id)
    b = world.create_case(reporter="朱伟", description="凤起东路路灯坏了", category_id=facilities.id)
    c = world.create_case(reporter="沈建华", description="祖庙巷51号绿化枯死了", category_id=greenery.id)
    d = world.create_case(reporter="马丽", description="希望小区门口多放几个花盆", category_id=greenery.id)
    e = world.create_case(reporter="沈建华", description="东坡路垃圾桶满了没人清理", category_id=greenery.id)
    g = world.create_case(reporter="马丽", description="青年路绿化带杂草丛生", category_id=greenery.id)
    h = world.create_case(description="岳王路草坪被踩坏", category_id=greenery.id)

    at(clock, 1)
    cases.accept_case(uow(), actor_id=deputy, case_id=a.id)
    cases.merge_case(uow(), actor_id=office, case_id=c.id, into_case_id=a.id)
    cases.reject_case(uow(), actor_id=office, case_id=d.id, reason="属于物业管理范围")
    cases.route_case(uow(), actor_id=office, case_id=e.id, unit_id=hubin_unit.id)
    cases.route_case(uow(), actor_id=office, case_id=h.id, unit_id=hubin_unit.id)
    at(clock, 2)
    cases.route_case(uow(), actor_id=office, case_id=a.id, unit_id=hubin_unit.id)
    at(clock, 10)
    cases.resolve_case(uow(), actor_id=unit_staff, case_id=h.id, feedback="已修复草坪")
    at(clock, 11)
    cases.rate_case(uow(), actor_id=h.reporter_id, case_id=h.id, satisfaction="dissatisfied")
    at(clock, 13)
    cases.route_case(uow(), actor_id=kaixuan_office, case_id=b.id, unit_id=kaixuan_unit.id)
    at(clock, 14.5)  # 23:30
    f = world.create_case(reporter="马丽", description="东坡路井盖松动", category_id=facilities.id)
    at(clock, 15)
    cases.route_case(uow(), actor_id=office, case_id=f.id, unit_id=hubin_unit.id)
    at(clock, 16.5)  # 01:30 the next day
    cases.resolve_case(uow(), actor_id=unit_staff, case_id=f.id, feedback="已固定井盖")
    at(clock, 20)
    cases.resolve_case(uow(), actor_id=unit_staff, case_id=e.id, feedback="已清理")
    cases.rate_case(uow(), actor_id=e.reporter_id, case_id=e.id, satisfaction="dissatisfied")
    at(clock, 30)
    cases.resolve_case(uow(), actor_id=unit_staff, case_id=a.id, feedback="已补种")
    cases.rate_case(uow(), actor_id=a.reporter_id, case_id=a.id, satisfaction="satisfied")
    if pause:
        at(clock, 40)
        pause()
    at(clock, 50)
    cases.resolve_case(uow(), actor_id=unit_staff, case_id=e.id, feedback="已彻底清理并增加清运")
    cases.rate_case(uow(), actor_id=e.reporter_id, case_id=e.id, satisfaction="satisfied")
    at(clock, 72)
    cases.escalate_case(uow(), actor_id=None, case_id=g.id, reason="超过 72 小时未办结", overdue=True)
    at(clock, 100)
    cases.resolve_case(uow(), actor_id=kaixuan_staff, case_id=b.id, feedback="已更换灯泡")
    cases.rate_case(uow(), actor_id=b.reporter_id, case_id=b.id, satisfaction="basically_satisfied")
    at(clock, 101)
    return {"a": a, "b": b, "c": c, "d": d, "e": e, "f": f, "g": g, "h": h}
