"""The demo's linkage tasks: the seed's 采荷 inspection with 52 suggestions, and tasks in other states."""
from __future__ import annotations

from server.demo.linkage import ACCESSIBILITY, load_demo_linkage
from server.linkage import queries


def test_demo_tasks_tell_the_seeds_story_once(lk, runtime):
    assert load_demo_linkage(runtime) == 4
    assert load_demo_linkage(runtime) == 0
    tasks = {t["title"]: t for t in queries.list_tasks(lk.uow, viewer_id=lk.id("张梦月"))["items"]}
    story = tasks[ACCESSIBILITY]
    assert story["state"] == "closed" and story["suggestion_count"] >= 50
    work = queries.get_assignment(lk.uow, viewer_id=lk.id("张梦月"), assignment_id=story["assignments"][0]["id"])
    assert (work["suggestions_deputy"], work["suggestions_hall"], work["cases"]) == (12, 40, 3)
    assert work["return_count"] == 1 and work["state"] == "accepted" and not work["overdue"]
    assert len(work["activity_items"][0]["photos"]) == 2
    assert tasks["背街小巷环境整治联动监督"]["state"] == "draft"
    overdue = {a["street_name"]: a["overdue"] for a in tasks["电动自行车充电设施安全联动监督"]["assignments"]}
    assert overdue == {"清波街道": False, "望江街道": True}
    survey = {a["street_name"]: a["state"] for a in tasks["老旧小区加装电梯推进情况联动调研"]["assignments"]}
    assert survey == {"湖滨街道": "in_progress", "凯旋街道": "acknowledged", "采荷街道": "issued", "清波街道": "issued"}
    caihe = queries.list_tasks(lk.uow, viewer_id=lk.id("蔡静"))
    assert {t["title"] for t in caihe["items"]} == {ACCESSIBILITY, "老旧小区加装电梯推进情况联动调研"}
