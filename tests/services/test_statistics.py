from __future__ import annotations

from server.demo import load_demo
from server.services import cases
from server.services.statistics import rank_streets


def test_rankings_follow_the_share_resolved_inside_72_hours(world, runtime, clock):
    unit = world.unit("湖滨街道公共管理办公室")
    fast = world.create_case()
    cases.route_case(runtime.uow(), actor_id=world.office("hubin").id, case_id=fast.id, unit_id=unit.id)
    clock.advance(hours=30)
    cases.resolve_case(runtime.uow(), actor_id=world.unit_staff(unit.name).id, case_id=fast.id, feedback="已办")
    cases.rate_case(runtime.uow(), actor_id=fast.reporter_id, case_id=fast.id, satisfaction="satisfied")
    slow = world.create_case(reporter="朱伟", description="凤起东路路灯坏了")
    kaixuan_unit = world.unit("凯旋街道便民服务中心")
    cases.route_case(runtime.uow(), actor_id=world.office("kaixuan").id, case_id=slow.id, unit_id=kaixuan_unit.id)
    clock.advance(hours=100)
    cases.resolve_case(runtime.uow(), actor_id=world.unit_staff(kaixuan_unit.name).id, case_id=slow.id,
                       feedback="已办")
    ranking = {row["street_name"]: row for row in rank_streets(runtime.uow())}
    hubin, kaixuan = ranking["湖滨街道"], ranking["凯旋街道"]
    assert hubin["rank"] == 1 and hubin["band"] == "green" and hubin["resolved_within_72h_rate"] == 1.0
    assert hubin["satisfaction_rate"] == 1.0 and hubin["median_hours_to_resolve"] == 30.0
    assert kaixuan["band"] == "red" and kaixuan["resolved_within_72h_rate"] == 0.0
    assert kaixuan["median_hours_to_resolve"] == 100.0
    assert ranking["清波街道"]["cases"] == 0 and ranking["清波街道"]["resolved_within_72h_rate"] is None


def test_demo_history_gives_every_street_figures(runtime):
    load_demo(runtime, case_count=60)
    ranking = rank_streets(runtime.uow())
    assert sum(row["cases"] for row in ranking) == 60
    assert [row["rank"] for row in ranking] == list(range(1, len(ranking) + 1))
