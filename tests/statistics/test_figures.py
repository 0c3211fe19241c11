"""The panoramic window's figures over HTTP, checked against the story's hand-computed numbers."""
from __future__ import annotations

from datetime import date

import pytest
import requests

from server.statistics.rollup import rebuild_figures, roll_up_dirty
from tests.statistics.story import tell_story

T0_DAY = date(2026, 11, 2)
pytestmark = pytest.mark.both_databases("day boundaries, JSON histograms, upserts and row locks per dialect")


def _json(live_server, path, **params):
    response = requests.get(f"{live_server.url}{path}", params=params, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def test_district_figures_match_the_hand_computed_story(world, runtime, clock, live_server):
    tell_story(world, runtime, clock)
    roll_up_dirty(runtime.uow())  # the first run: a full rebuild
    window = _json(live_server, "/dashboard.json")
    assert window["period"] == {"from": "2026-11-01", "to": "2026-11-06"}
    d = window["district"]
    # A B D E F G H received (C merged into A counts once, in A)
    assert d["received"] == 7 and d["rejected"] == 1
    # first answer within 12 h: A (accepted 1 h), D (rejected 1 h), E, H (routed 1 h), F (0.5 h); not B (13 h), not G
    assert d["responded_12h"] == 5 and d["response_rate"] == round(5 / 7, 4)
    # resolved: A 30 h, B 100 h, E 50 h, F 2 h; due: those four and G (open, overdue); on time: A, E, F
    assert d["resolved"] == 4 and d["resolved_72h"] == 3 and d["open_overdue"] == 1
    assert d["resolution_rate"] == 0.6
    # rated: A 满意, B 基本满意, E 满意 (after its 不满意), H 不满意
    assert d["rated"] == 4 and d["satisfied"] == 3 and d["satisfaction_rate"] == 0.75
    assert (d["open"], d["overdue"], d["escalated"], d["reopened"]) == (2, 1, 1, 2)
    # nearest rank of [2, 30, 50, 100]: the 2nd and the 4th
    assert d["median_hours_to_resolve"] == 30 and d["p90_hours_to_resolve"] == 100

    trend = {row["start"]: row for row in window["trend"]}
    assert trend["2026-11-02"]["received"] == 7 and trend["2026-11-02"]["resolved"] == 0
    # F resolved at 01:30 on 3 Nov counts on the 3rd (Shanghai), with A (15:00); E's final resolution on the 4th
    assert trend["2026-11-03"]["resolved"] == 2 and trend["2026-11-04"]["resolved"] == 1
    assert trend["2026-11-06"]["resolved"] == 1 and trend["2026-11-05"]["received"] == 0

    ranking = {row["name"]: row for row in window["ranking"]["rows"]}
    hubin, kaixuan = ranking["湖滨街道"], ranking["凯旋街道"]
    assert hubin["received"] == 6 and kaixuan["received"] == 1
    # 湖滨: response 5/6, resolution 3/4 (A E F on time, G overdue), satisfaction 2/3 (A, E; H 不满意)
    assert hubin["response_rate"] == round(5 / 6, 4) and hubin["resolution_rate"] == 0.75
    assert hubin["satisfaction_rate"] == round(2 / 3, 4)
    assert hubin["score"] == round(0.3 * round(5 / 6, 4) + 0.4 * 0.75 + 0.3 * round(2 / 3, 4), 4)
    # 凯旋: response 0/1, resolution 0/1, satisfaction 1/1 → 30 points
    assert kaixuan["score"] == 0.3 and kaixuan["band"] == "red"
    assert hubin["rank"] == 1 and kaixuan["rank"] == 2
    assert ranking["清波街道"]["band"] == "none" and ranking["清波街道"]["score"] is None
    assert "章小平" not in str(window) and "phone" not in str(window)


def test_a_street_the_other_dimensions_and_the_heat_table(world, runtime, clock):
    from server.core.figures import Period
    from server.statistics import queries

    tell_story(world, runtime, clock)
    rebuild_figures(runtime.uow())
    hubin = world.street("hubin")
    period = Period(T0_DAY, T0_DAY.replace(day=6))
    scope = queries.Scope(period, street_id=hubin.id)
    assert queries.district_figures(runtime.uow(), scope)["received"] == 6
    categories = {row["name"]: row["received"] for row in queries.by_dimension(runtime.uow(), scope, "category")}
    assert categories == {"城市管理·绿化环境": 5, "公共设施": 1}
    units = {row["name"]: row for row in queries.by_dimension(runtime.uow(), queries.Scope(period), "unit")}
    # D and G never reached a unit
    assert units["未流转"]["received"] == 2 and units["湖滨街道公共管理办公室"]["received"] == 4
    assert units["凯旋街道便民服务中心"]["resolved"] == 1
    platforms = {row["name"]: row["received"] for row in queries.by_dimension(runtime.uow(), queries.Scope(period),
                                                                              "platform")}
    assert platforms == {"综治工作": 6, "便民服务": 1}  # unrouted cases take their category's platform
    heat = queries.heat_table(runtime.uow(), queries.Scope(period))
    names = [street["name"] for street in heat["streets"]]
    rows = {row["name"]: dict(zip(names, row["cells"], strict=True)) for row in heat["rows"]}
    assert rows["城市管理·绿化环境"]["湖滨街道"] == 5 and rows["公共设施"]["湖滨街道"] == 1
    assert rows["公共设施"]["凯旋街道"] == 1 and heat["max"] == 5
    weekly = queries.trend(runtime.uow(), queries.Scope(Period(T0_DAY.replace(day=1), period.last)), "week")
    assert [row["start"] for row in weekly] == ["2026-10-26", "2026-11-02"]
    assert weekly[1]["received"] == 7 and weekly[1]["resolved"] == 4


def test_late_events_correct_past_days_and_match_a_full_rebuild(world, runtime, clock):
    from server.core.figures import Period
    from server.statistics import queries

    halfway = {}

    def roll_up_halfway():
        roll_up_dirty(runtime.uow())
        halfway.update(queries.district_figures(runtime.uow(), queries.Scope(Period(T0_DAY, T0_DAY))))

    tell_story(world, runtime, clock, pause=roll_up_halfway)
    assert halfway["resolved"] == 2 and halfway["satisfied"] == 1  # A and F so far; E was 不满意
    summary = roll_up_dirty(runtime.uow())
    assert summary["days"] >= 1  # the 2nd (every case's submission day) among them
    scope = queries.Scope(Period(T0_DAY, T0_DAY.replace(day=6)))
    incremental = queries.district_figures(runtime.uow(), scope)
    assert incremental["resolved"] == 4 and incremental["satisfied"] == 3 and incremental["escalated"] == 1
    trend = queries.trend(runtime.uow(), scope)
    november = queries.Scope(Period(date(2026, 11, 1), date(2026, 11, 30)))  # a whole month: the monthly rows
    assert queries.district_figures(runtime.uow(), november) | {"daily_active_average": 0} == incremental | {
        "daily_active_average": 0}
    by_unit = queries.by_dimension(runtime.uow(), november, "unit")
    rebuild_figures(runtime.uow())
    assert queries.district_figures(runtime.uow(), scope) == incremental
    assert queries.by_dimension(runtime.uow(), november, "unit") == by_unit
    assert queries.trend(runtime.uow(), scope) == trend
    assert roll_up_dirty(runtime.uow())["days"] == 0  # nothing new happened: nothing recomputed




def test_two_schedulers_rolling_up_at_once_agree_with_a_rebuild(world, runtime, clock):
    from server.core.figures import Period
    from server.statistics import queries
    from server.statistics.rollup import mark_days
    from tests.concurrency import raised, run_together

    tell_story(world, runtime, clock)
    rebuild_figures(runtime.uow())
    scope = queries.Scope(Period(date(2026, 11, 1), date(2026, 11, 30)))
    expected = queries.by_dimension(runtime.uow(), scope, "category")
    with runtime.uow().transaction() as session:  # every day of the story dirty again
        mark_days(session, [date(2026, 11, day) for day in range(1, 7)], clock.now())
    results = run_together([lambda: roll_up_dirty(runtime.uow()) for _ in range(3)])
    assert raised(results) == []
    assert sum(result["days"] for result in results) >= 6  # each day by one or more of them, never half
    assert queries.by_dimension(runtime.uow(), scope, "category") == expected
    assert roll_up_dirty(runtime.uow())["days"] == 0
