"""Reminders 3 days and 1 day before the due date and the overdue flag, exactly once with several sweepers;
the panoramic window's linkage figures."""
from __future__ import annotations

from datetime import timedelta

import pytest

from server.core.clock import LOCAL_ZONE
from server.linkage import queries
from server.linkage import service as linkage
from server.linkage.figures import module_figures
from server.linkage.jobs import sweep_linkage_deadlines
from server.linkage.models import LinkageEvent, LinkageReminder
from server.statistics.modules import Period, all_module_figures
from tests.concurrency import run_together

pytestmark = pytest.mark.both_databases("the sweep claims each mark with ON CONFLICT under SKIP LOCKED")


def _to_days_before(lk, task, days, hours=1):
    lk.clock.set(task.due_at - timedelta(days=days) + timedelta(hours=hours))


def test_reminders_then_overdue_each_once_and_only_to_who_still_owes(lk, runtime):
    task = lk.issued(streets=("caihe", "hubin"), days=10)
    hubin = lk.assignment_id(task.id, "hubin")
    linkage.acknowledge_assignment(lk.uow, actor_id=lk.id("胡敏"), assignment_id=hubin)
    linkage.submit_results(lk.uow, actor_id=lk.id("胡敏"), assignment_id=hubin, report="已完成")
    assert sweep_linkage_deadlines(runtime.uow())["claimed"] == 0  # ten days ahead: nothing due

    _to_days_before(lk, task, 3)
    first = sweep_linkage_deadlines(runtime.uow())
    assert (first["reminded"], first["pushes"]) == (1, 1)
    assert sweep_linkage_deadlines(runtime.uow())["reminded"] == 0
    [reminder] = lk.pushes("linkage_reminder")
    assert reminder.recipient_id == lk.id("蔡静") and reminder.payload["days_left"] == 3

    _to_days_before(lk, task, 1)
    results = run_together([lambda: sweep_linkage_deadlines(runtime.uow())] * 3)
    assert sum(r["reminded"] for r in results) == 1
    assert [p.payload["days_left"] for p in lk.pushes("linkage_reminder")] == [3, 1]

    lk.clock.set(task.due_at + timedelta(minutes=5))
    results = run_together([lambda: sweep_linkage_deadlines(runtime.uow())] * 3)
    assert sum(r["overdue"] for r in results) == 1
    overdue = lk.pushes("linkage_overdue")
    assert {p.recipient_id for p in overdue} == {lk.id("蔡静"), lk.id("张梦月")}
    assert lk.count(LinkageReminder) == 3
    assert lk.count(LinkageEvent, LinkageEvent.action == "overdue") == 1
    assert sweep_linkage_deadlines(runtime.uow())["checked"] == 0  # flagged: out of the sweep's reach
    view = queries.get_task(lk.uow, viewer_id=lk.id("张梦月"), task_id=task.id)
    assert {a["street_name"]: a["overdue"] for a in view["assignments"]} == {"采荷街道": True, "湖滨街道": False}


def test_a_sweep_that_comes_late_says_only_the_latest_mark(lk, runtime):
    task = lk.issued(days=5)
    lk.clock.set(task.due_at + timedelta(hours=2))
    result = sweep_linkage_deadlines(runtime.uow())
    assert (result["claimed"], result["reminded"], result["overdue"]) == (1, 0, 1)
    assert lk.pushes("linkage_reminder") == []


def test_figures_for_the_panoramic_window(lk, runtime, world):
    on_time = lk.issued(streets=("caihe", "hubin"), days=5)
    caihe = lk.assignment_id(on_time.id)
    linkage.acknowledge_assignment(lk.uow, actor_id=lk.id("蔡静"), assignment_id=caihe)
    suggestion = linkage.add_suggestion(lk.uow, actor_id=lk.id("李春梅"), assignment_id=caihe, text="坡道需复核")
    linkage.add_suggestion(lk.uow, actor_id=lk.id("赵志刚"), assignment_id=caihe, text="盲道需疏通")
    linkage.make_case_from_suggestion(lk.uow, actor_id=lk.id("蔡静"), suggestion_id=suggestion.id)
    linkage.submit_results(lk.uow, actor_id=lk.id("蔡静"), assignment_id=caihe, report="报告")
    lk.clock.set(on_time.due_at + timedelta(hours=1))
    sweep_linkage_deadlines(runtime.uow())  # 湖滨 never submitted: overdue
    today = lk.clock.now().astimezone(LOCAL_ZONE).date()
    period = Period(today - timedelta(days=30), today)
    district = {f.key: f.value for f in module_figures(runtime.uow(), period).figures}
    assert district == {"tasks_issued": 1, "on_time": 1, "overdue": 1, "suggestions": 2, "cases_raised": 1}
    street = {f.key: f.value for f in module_figures(runtime.uow(), period, world.street("hubin").id).figures}
    assert street == {"tasks_issued": 1, "on_time": 0, "overdue": 1, "suggestions": 0, "cases_raised": 0}
    assert "linkage" in [m.key for m in all_module_figures(runtime.uow(), period)]
