"""A task's whole life at the service layer: draft, issue, 签收, work, submit, return, resubmit, accept, close."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from server.cases.models import Case
from server.core.errors import InvalidTransitionError, NotFoundError, PermissionDeniedError, ValidationError
from server.halls import opinions
from server.linkage import queries
from server.linkage import service as linkage
from server.linkage.models import LinkageEvent, LinkageFile, LinkageTask
from server.linkage.service import Upload
from tests.linkage.conftest import PDF, png_bytes


def test_a_draft_is_invisible_to_streets_until_issued_and_each_office_is_pushed(lk):
    task = lk.draft(streets=("caihe", "hubin"))
    assert task.state == "draft"
    with pytest.raises(NotFoundError):
        queries.get_task(lk.uow, viewer_id=lk.id("蔡静"), task_id=task.id)
    assert queries.list_tasks(lk.uow, viewer_id=lk.id("蔡静"))["total"] == 0
    assert lk.pushes("linkage_issued") == []

    linkage.issue_task(lk.uow, actor_id=lk.id("张梦月"), task_id=task.id)
    pushed = {p.recipient_id for p in lk.pushes("linkage_issued")}
    assert pushed == {lk.id("蔡静"), lk.id("胡敏")}
    mine = queries.list_tasks(lk.uow, viewer_id=lk.id("蔡静"))
    assert mine["total"] == 1 and [a["street_name"] for a in mine["items"][0]["assignments"]] == ["采荷街道"]
    whole = queries.get_task(lk.uow, viewer_id=lk.id("张梦月"), task_id=task.id)
    assert sorted(a["street_name"] for a in whole["assignments"]) == ["湖滨街道", "采荷街道"]
    assert [f["filename"] for f in whole["files"]] == ["视察方案.pdf"]
    assert [e["action"] for e in whole["timeline"]] == ["issue", "create"]
    with pytest.raises(InvalidTransitionError):
        linkage.issue_task(lk.uow, actor_id=lk.id("张梦月"), task_id=task.id)
    assert len(lk.pushes("linkage_issued")) == 2


def test_only_the_district_drafts_and_bad_input_changes_nothing(lk):
    with pytest.raises(PermissionDeniedError):
        linkage.create_task(lk.uow, actor_id=lk.id("蔡静"), kind="assignment", title="x", brief="y",
                            due_date=lk.today(), street_ids=[lk.world.street("caihe").id])
    bad = [dict(kind="party"), dict(title=" "), dict(due_date=lk.today() - timedelta(days=1)), dict(street_ids=[]),
           dict(street_ids=[99999]), dict(files=[Upload("病毒.pdf", b"MZ\x90\x00 not a pdf")])]
    for override in bad:
        fields = dict(kind="assignment", title="t", brief="b", due_date=lk.today(),
                      street_ids=[lk.world.street("caihe").id], files=[])
        fields.update(override)
        with pytest.raises(ValidationError):
            linkage.create_task(lk.uow, actor_id=lk.id("张梦月"), **fields)
    assert lk.count(LinkageTask) == 0 and lk.count(LinkageFile) == 0


def test_files_are_typed_by_content_and_named_by_it(lk):
    docx_like = b"PK\x03\x04" + b"\x00" * 40  # a zip header but no Word document inside
    with pytest.raises(ValidationError):
        lk.draft(files=[Upload("方案.docx", docx_like)])
    task = lk.draft(files=[Upload("../../etc/方案.exe", PDF), Upload("现场.jpg", png_bytes())])
    detail = queries.get_task(lk.uow, viewer_id=lk.id("张梦月"), task_id=task.id)
    assert [(f["filename"], f["content_type"]) for f in detail["files"]] == [
        ("方案.pdf", "application/pdf"), ("现场.png", "image/png")]


def test_the_street_works_submits_is_returned_resubmits_and_is_accepted(lk, clock):
    task = lk.issued()
    aid = lk.assignment_id(task.id)
    office, district = lk.id("蔡静"), lk.id("张梦月")
    with pytest.raises(InvalidTransitionError):
        linkage.submit_results(lk.uow, actor_id=office, assignment_id=aid, report="报告")
    with pytest.raises(NotFoundError):  # another street's office: the assignment does not exist for it
        linkage.acknowledge_assignment(lk.uow, actor_id=lk.id("胡敏"), assignment_id=aid)
    assert linkage.acknowledge_assignment(lk.uow, actor_id=office, assignment_id=aid).state == "acknowledged"

    starts = clock.now() + timedelta(days=2)
    activity = linkage.plan_activity(lk.uow, actor_id=office, assignment_id=aid, kind="inspection", title="无障碍设施专项视察",
                                     starts_at=starts, place="采荷街道办事处", deputy_ids=[lk.id("李春梅"), lk.id("赵志刚")])
    invited = lk.pushes("linkage_invited")
    assert {p.recipient_id for p in invited} == {lk.id("李春梅"), lk.id("赵志刚")}
    invitations = queries.my_invitations(lk.uow, deputy_id=lk.id("李春梅"))
    linkage.answer_invitation(lk.uow, actor_id=lk.id("李春梅"), invitation_id=invitations[0]["id"], attend=True)
    linkage.answer_invitation(lk.uow, actor_id=lk.id("李春梅"), invitation_id=invitations[0]["id"], attend=True)
    with pytest.raises(NotFoundError):  # someone else's invitation
        linkage.answer_invitation(lk.uow, actor_id=lk.id("赵志刚"), invitation_id=invitations[0]["id"], attend=False)

    linkage.open_collection(lk.uow, actor_id=office, assignment_id=aid, closes_at=clock.now() + timedelta(days=7))
    topic_id = queries.get_assignment(lk.uow, viewer_id=office, assignment_id=aid)["collection"]["topic_id"]
    for name, text in [("黄磊", "芙蓉社区菜场门口的盲道被电动车占了"), ("高洁", "洁莲社区公厕没有无障碍扶手")]:
        opinions.post_opinion(lk.uow, author_id=lk.id(name), topic_id=topic_id, text=text)

    clock.advance(days=2, hours=3)
    with pytest.raises(ValidationError):  # only invited deputies
        linkage.record_attendance(lk.uow, actor_id=office, activity_id=activity.id, attended_ids=[lk.id("严民强")])
    linkage.record_attendance(lk.uow, actor_id=office, activity_id=activity.id, attended_ids=[lk.id("李春梅")],
                              note="现场查看了8处坡道", photos=[Upload("现场.png", png_bytes())])
    linkage.add_suggestion(lk.uow, actor_id=lk.id("李春梅"), assignment_id=aid, text="建议对坡道坡度逐一复核")
    linkage.add_suggestion(lk.uow, actor_id=office, assignment_id=aid, text="建议增设盲道巡查", author_id=lk.id("赵志刚"))
    with pytest.raises(NotFoundError):  # a deputy of another street who was not invited
        linkage.add_suggestion(lk.uow, actor_id=lk.id("严民强"), assignment_id=aid, text="别处的建议")

    linkage.submit_results(lk.uow, actor_id=office, assignment_id=aid, report="视察报告：共发现问题12处。",
                           files=[Upload("视察报告.pdf", PDF)])
    work = queries.get_assignment(lk.uow, viewer_id=district, assignment_id=aid)
    assert work["state"] == "submitted" and work["suggestions"] == 4 and work["opinions"] == 2
    assert {s["author_name"] for s in work["suggestion_items"]} == {"李春梅", "赵志刚", "黄*", "高*"}
    assert [p.recipient_id for p in lk.pushes("linkage_submitted")] == [district]

    linkage.return_results(lk.uow, actor_id=district, assignment_id=aid, comment="请补充整改责任单位")
    assert [p.payload["comment"] for p in lk.pushes("linkage_returned")] == ["请补充整改责任单位"]
    with pytest.raises(InvalidTransitionError):
        linkage.accept_results(lk.uow, actor_id=district, assignment_id=aid)
    linkage.submit_results(lk.uow, actor_id=office, assignment_id=aid, report="视察报告（修改稿）")
    assert linkage.collect_hall_opinions(lk.uow, actor_id=office, assignment_id=aid) == 0  # never copied twice
    linkage.accept_results(lk.uow, actor_id=district, assignment_id=aid, comment="很好")
    with pytest.raises(ValidationError):
        linkage.close_task(lk.uow, actor_id=district, task_id=task.id, note="x" * 2000)
    linkage.close_task(lk.uow, actor_id=district, task_id=task.id)
    with pytest.raises(InvalidTransitionError):
        linkage.add_suggestion(lk.uow, actor_id=office, assignment_id=aid, text="迟到的建议", author_id=lk.id("赵志刚"))

    with lk.uow.transaction() as session:
        actions = list(session.scalars(select(LinkageEvent.action).where(LinkageEvent.task_id == task.id)
                                       .order_by(LinkageEvent.id)))
    assert [a.value for a in actions] == [
        "create", "issue", "acknowledge", "plan_activity", "answer_invitation", "open_collection",
        "record_attendance", "add_suggestion", "add_suggestion", "submit", "return", "resubmit", "accept", "close"]
    final = queries.get_task(lk.uow, viewer_id=district, task_id=task.id)
    assert final["state"] == "closed" and final["assignments"][0]["overdue"] is False


def test_closing_with_streets_not_accepted_needs_a_note(lk):
    task = lk.issued(streets=("caihe", "hubin"))
    with pytest.raises(ValidationError):
        linkage.close_task(lk.uow, actor_id=lk.id("张梦月"), task_id=task.id)
    closed = linkage.close_task(lk.uow, actor_id=lk.id("张梦月"), task_id=task.id, note="任务调整，提前办结")
    assert closed.close_note == "任务调整，提前办结"


def test_a_suggestion_becomes_a_routed_case_once(lk, clock):
    task = lk.issued()
    aid = lk.assignment_id(task.id)
    office = lk.id("蔡静")
    linkage.acknowledge_assignment(lk.uow, actor_id=office, assignment_id=aid)
    suggestion = linkage.add_suggestion(lk.uow, actor_id=lk.id("李春梅"), assignment_id=aid,
                                        text="芙蓉社区口无障碍坡道破损，需要修复")
    assert _has_unit(lk, "采荷街道公共管理办公室")
    unit = lk.world.unit("采荷街道公共管理办公室")
    case = linkage.make_case_from_suggestion(lk.uow, actor_id=office, suggestion_id=suggestion.id,
                                             unit_id=unit.id)
    deputy = lk.id("李春梅")
    with lk.uow.transaction() as session:
        stored = session.get(Case, case.id)
    assert stored.source == "linkage" and stored.reporter_id == deputy
    assert stored.state == "routed"
    from server.core.errors import ConflictError

    with pytest.raises(ConflictError):
        linkage.make_case_from_suggestion(lk.uow, actor_id=office, suggestion_id=suggestion.id)
    work = queries.get_assignment(lk.uow, viewer_id=office, assignment_id=aid)
    assert work["cases"] == 1 and work["suggestion_items"][0]["tracking_number"] == case.tracking_number


def _has_unit(lk, name):
    from server.places.models import HandlingUnit

    return lk.count(HandlingUnit, HandlingUnit.name == name) == 1


def test_lists_filter_by_the_viewers_kind_of_state(lk):
    task = lk.issued(streets=("caihe", "hubin"))
    linkage.acknowledge_assignment(lk.uow, actor_id=lk.id("胡敏"), assignment_id=lk.assignment_id(task.id, "hubin"))
    assert queries.list_tasks(lk.uow, viewer_id=lk.id("蔡静"), state="issued")["total"] == 1  # 待签收
    assert queries.list_tasks(lk.uow, viewer_id=lk.id("胡敏"), state="issued")["total"] == 0
    assert queries.list_tasks(lk.uow, viewer_id=lk.id("张梦月"), state="issued")["total"] == 1  # 已交办
    assert queries.list_tasks(lk.uow, viewer_id=lk.id("张梦月"), state="acknowledged")["total"] == 1
    with pytest.raises(ValidationError):
        queries.list_tasks(lk.uow, viewer_id=lk.id("蔡静"), state="closed")
    with pytest.raises(PermissionDeniedError):
        queries.list_tasks(lk.uow, viewer_id=lk.id("李春梅"))


def test_deadline_arithmetic_in_whole_days():
    from datetime import UTC, date, datetime

    from server.linkage.rules import crossed_reminders, days_left, days_overdue, due_at_for, due_day

    due = due_at_for(date(2026, 12, 20))
    assert due == datetime(2026, 12, 20, 16, 0, tzinfo=UTC) and due_day(due) == date(2026, 12, 20)
    assert days_left(due, due - timedelta(days=2, hours=3)) == 3 and days_overdue(due, due - timedelta(hours=1)) == 0
    assert days_overdue(due, due + timedelta(hours=1)) == 1 and days_overdue(due, due + timedelta(days=2)) == 2
    assert crossed_reminders(due, due - timedelta(days=4)) == []
    assert crossed_reminders(due, due - timedelta(days=2)) == [3]
    assert crossed_reminders(due, due - timedelta(hours=5)) == [3, 1]
    assert crossed_reminders(due, due) == [0]
