"""赛马晾晒: the general engine, the stored scheme the district edits, the monthly boards and their pushes."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from server import jobs
from server.core.errors import PermissionDeniedError, ValidationError
from server.pushes.models import OutboxMessage
from server.pushes.texts import push_text
from server.statistics import boards
from server.statistics.models import RankingBoard, RankingSchemeChange
from server.statistics.rules import Bands, Criterion, Subject, rank_subjects
from tests.statistics.story import tell_story

NOVEMBER = date(2026, 11, 1)


def test_the_engine_ranks_any_subjects_by_weighted_figures_with_bands_and_shared_places():
    villages = [Subject(1, "东洲村", {"legal_satisfaction": 0.95, "attendance": 0.7}),
                Subject(2, "新沙村", {"legal_satisfaction": 0.8, "attendance": 0.9}),
                Subject(3, "紫阆村", {"legal_satisfaction": 0.95, "attendance": 0.7}),
                Subject(4, "三溪村", {})]
    placed = rank_subjects(villages, [Criterion("legal_satisfaction", 3), Criterion("attendance", 1)],
                           Bands(green_at=0.9, yellow_at=0.85), previous={1: 3, 2: 1})
    assert [(p.subject.name, p.rank, p.score, p.band) for p in placed] == [
        ("东洲村", 1, 0.8875, "yellow"), ("紫阆村", 1, 0.8875, "yellow"), ("新沙村", 3, 0.825, "red"),
        ("三溪村", 4, None, "none")]
    assert placed[0].change == 2 and placed[2].change == -2 and placed[1].change is None


@pytest.mark.both_databases("the board is claimed with INSERT … ON CONFLICT DO NOTHING RETURNING")
def test_the_month_is_frozen_once_on_the_first_and_each_street_hears_its_place(world, runtime, clock):
    tell_story(world, runtime, clock)
    october = boards.freeze_board(runtime.uow(), "streets", date(2026, 10, 1))  # an empty month: nobody is told
    assert october["pushes"] == 0
    clock.set(datetime(2026, 11, 30, 16, 5, tzinfo=UTC))  # 00:05 on 1 December in Shanghai
    first = jobs.figures_job(runtime)
    assert [board["frozen"] for board in first["boards"]] == [True, True]
    again = jobs.figures_job(runtime)  # the next run, or another scheduler
    assert [board["frozen"] for board in again["boards"]] == [False, False]
    board = boards.frozen_board(runtime.uow(), "streets", NOVEMBER)
    ranks = {row["name"]: row for row in board["rows"]}
    assert ranks["湖滨街道"]["rank"] == 1 and ranks["湖滨街道"]["change"] is None  # October had no figures: unranked
    with runtime.uow().transaction() as session:
        assert session.scalars(select(RankingBoard.month).where(RankingBoard.scheme_key == "streets")
                               .order_by(RankingBoard.month)).all() == [date(2026, 10, 1), NOVEMBER]
        pushes = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "ranking_published")).all()
        told = {message.recipient_id: push_text(message.kind, message.payload) for message in pushes}
    hubin_people = {world.office("hubin").id, world.person("严民强").id, world.person("周立群").id}
    assert hubin_people <= set(told)
    assert told[world.office("hubin").id].startswith("2026年11月赛马晾晒：湖滨街道排名第1，上月未排名")
    assert len(told) == len(pushes)  # nobody twice; streets without a case in November are not told
    assert first["boards"][0]["pushes"] == len(pushes)


def test_next_month_reports_the_change_since_the_last_board(world, runtime, clock):
    tell_story(world, runtime, clock)
    clock.set(datetime(2026, 12, 1, 1, 0, tzinfo=UTC))
    jobs.figures_job(runtime)
    # December: 凯旋 answers fast and pleases; 湖滨 leaves a case unanswered past 72 h
    from server.cases import service as cases

    kaixuan = world.create_case(reporter="朱伟", description="景芳社区路灯不亮", category_id=world.category("facilities").id)
    unit = world.unit("凯旋街道便民服务中心")
    cases.route_case(runtime.uow(), actor_id=world.office("kaixuan").id, case_id=kaixuan.id, unit_id=unit.id)
    clock.advance(hours=5)
    cases.resolve_case(runtime.uow(), actor_id=world.unit_staff(unit.name).id, case_id=kaixuan.id, feedback="已修")
    cases.rate_case(runtime.uow(), actor_id=kaixuan.reporter_id, case_id=kaixuan.id, satisfaction="satisfied")
    slow = world.create_case(description="岳王路绿化带缺株", category_id=world.category("greenery").id)
    clock.advance(hours=73)
    cases.escalate_case(runtime.uow(), actor_id=None, case_id=slow.id, reason="超时", overdue=True)
    clock.set(datetime(2027, 1, 1, 0, 30, tzinfo=UTC))
    jobs.figures_job(runtime)
    december = {row["name"]: row for row in boards.frozen_board(runtime.uow(), "streets", date(2026, 12, 1))["rows"]}
    assert december["凯旋街道"]["rank"] == 1 and december["凯旋街道"]["change"] == 1
    assert december["凯旋街道"]["change_text"] == "较上月上升1位" and december["湖滨街道"]["change_text"] == "较上月下降1位"


def test_the_district_edits_weights_and_thresholds_and_the_change_is_kept(world, runtime, clock):
    district = world.district().id
    with pytest.raises(PermissionDeniedError):
        boards.update_scheme(runtime.uow(), actor_id=world.office("hubin").id, key="streets",
                             weights={"satisfaction_rate": 1}, green_at=0.9, yellow_at=0.8)
    with pytest.raises(ValidationError, match="分色阈值"):
        boards.update_scheme(runtime.uow(), actor_id=district, key="streets",
                             weights={"satisfaction_rate": 1}, green_at=0.7, yellow_at=0.8)
    with pytest.raises(ValidationError, match="至少需要一项指标"):
        boards.update_scheme(runtime.uow(), actor_id=district, key="streets", weights={"satisfaction_rate": 0},
                             green_at=0.9, yellow_at=0.8)
    assert boards.get_scheme(runtime.uow(), "streets").bands.green_at == 0.9  # nothing changed
    boards.update_scheme(runtime.uow(), actor_id=district, key="streets",
                         weights={"resolution_rate": 50, "satisfaction_rate": 50}, green_at=0.95, yellow_at=0.8)
    scheme = boards.get_scheme(runtime.uow(), "streets")
    assert [(c.figure, c.weight) for c in scheme.criteria] == [("resolution_rate", 50), ("satisfaction_rate", 50)]
    assert (scheme.bands.green_at, scheme.bands.yellow_at) == (0.95, 0.8)
    changes = boards.scheme_changes(runtime.uow(), "streets")
    assert len(changes) == 1 and changes[0]["by"] == "张梦月"
    assert changes[0]["before"]["green_at"] == 0.9 and changes[0]["after"]["green_at"] == 0.95
    with runtime.uow().transaction() as session:
        assert session.scalar(select(RankingSchemeChange.actor_id)) == district
