from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from server import jobs
from server.cases import service as cases
from server.core.clock import ManualClock
from server.core.uow import UnitOfWork
from server.demo import load_demo
from server.places.models import Street
from server.statistics.models import StreetRanking
from server.statistics.service import rank_streets, refresh_street_ranking, street_ranking
from tests.concurrency import raised, run_together

pytestmark = pytest.mark.both_databases("resolve times and the 72-hour share are computed per dialect; the snapshot is an upsert")


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


def test_a_merged_duplicate_counts_once(world, runtime, clock):
    first = world.create_case()
    duplicate = world.create_case(reporter="沈建华", description="祖庙巷51号绿化枯死了")
    cases.merge_case(runtime.uow(), actor_id=world.office("hubin").id, case_id=duplicate.id, into_case_id=first.id)
    clock.advance(minutes=1)
    hubin = {row["street_name"]: row for row in rank_streets(runtime.uow())}["湖滨街道"]
    assert hubin["cases"] == 1 and hubin["open"] == 1


def test_demo_history_gives_every_street_figures(runtime):
    load_demo(runtime, case_count=60)
    ranking = rank_streets(runtime.uow())
    # 60 past cases, and per street one case made from an opinion in its concluded demo hall and five
    # from the matters raised at its demo reception days.
    assert sum(row["cases"] for row in ranking) == 60 + len(ranking) * (1 + 5)
    assert [row["rank"] for row in ranking] == list(range(1, len(ranking) + 1))


# ------------------------------------------------------------------ the ranking snapshot

def _snapshot(runtime):
    with runtime.uow().transaction() as session:
        return {row.street_id: (row.cases, row.rank, row.computed_at)
                for row in session.scalars(select(StreetRanking))}


def test_the_dashboard_computes_on_the_fly_until_a_snapshot_exists_then_serves_it(world, runtime, clock):
    world.create_case()
    clock.advance(minutes=1)  # the window is [since, until): a case counts once its moment has passed
    live = street_ranking(runtime.uow())
    assert live.from_snapshot is False and live.computed_at == clock.now()
    assert live.streets == rank_streets(runtime.uow())
    assert _snapshot(runtime) == {}  # a page view never writes

    refreshed_at = clock.now()
    refresh_street_ranking(runtime.uow())
    clock.advance(minutes=3)
    world.create_case(reporter="朱伟", description="凤起东路路灯坏了")  # after the refresh
    clock.advance(minutes=1)
    served = street_ranking(runtime.uow())
    assert served.from_snapshot is True and served.computed_at == refreshed_at
    assert served.since == refreshed_at - timedelta(days=365)
    assert served.streets == live.streets  # the snapshot's figures, not the new case
    assert sum(row["cases"] for row in served.streets) == 1

    refresh_street_ranking(runtime.uow())
    assert sum(row["cases"] for row in street_ranking(runtime.uow()).streets) == 2
    assert street_ranking(runtime.uow()).streets == rank_streets(runtime.uow())


def test_refreshing_twice_keeps_one_row_per_street(world, runtime, clock):
    world.create_case()
    first = refresh_street_ranking(runtime.uow())
    clock.advance(minutes=5)
    second = refresh_street_ranking(runtime.uow())
    with runtime.uow().transaction() as session:
        streets = set(session.scalars(select(Street.id)))
    snapshot = _snapshot(runtime)
    assert set(snapshot) == streets and first["written"] == second["written"] == len(streets)
    assert {computed_at for _cases, _rank, computed_at in snapshot.values()} == {clock.now()}
    assert sorted(rank for _cases, rank, _at in snapshot.values()) == list(range(1, len(streets) + 1))


def test_concurrent_refreshes_leave_one_consistent_snapshot(world, runtime, clock):
    load_demo(runtime, case_count=30)
    clock.advance(minutes=5)
    assert raised(run_together([lambda: refresh_street_ranking(runtime.uow())] * 4)) == []
    snapshot = _snapshot(runtime)
    with runtime.uow().transaction() as session:
        assert session.scalar(select(func.count()).select_from(StreetRanking)) == len(snapshot) == 6
    assert {computed_at for _cases, _rank, computed_at in snapshot.values()} == {clock.now()}
    assert street_ranking(runtime.uow()).streets == rank_streets(runtime.uow())


def test_a_slow_refresh_finishing_last_never_puts_older_figures_back(world, runtime, clock):
    started_early = UnitOfWork(runtime.session_factory, clock=ManualClock(clock.now()), settings=runtime.settings)
    clock.advance(minutes=5)
    world.create_case()
    clock.advance(minutes=1)
    refresh_street_ranking(runtime.uow())
    late = refresh_street_ranking(started_early)  # computed as of five minutes ago, written after
    assert late["written"] == 0
    snapshot = _snapshot(runtime)
    assert {computed_at for _cases, _rank, computed_at in snapshot.values()} == {clock.now()}
    assert sum(cases for cases, _rank, _at in snapshot.values()) == 1


def test_the_job_skips_while_another_process_has_just_refreshed(world, runtime, clock):
    first = jobs.run_job(runtime, _job("street_ranking"))
    assert first["ok"] and first["result"]["refreshed"] is True
    clock.advance(seconds=jobs.STREET_RANKING_SECONDS / 2 - 1)
    skipped = jobs.run_job(runtime, _job("street_ranking"))
    assert skipped["ok"] and skipped["result"]["refreshed"] is False
    clock.advance(seconds=2)
    again = jobs.run_job(runtime, _job("street_ranking"))
    assert again["ok"] and again["result"]["refreshed"] is True
    assert {computed_at for _cases, _rank, computed_at in _snapshot(runtime).values()} == {clock.now()}


def _job(name):
    return next(job for job in jobs.periodic_jobs() if job.name == name)
