"""Retries and double clicks never duplicate: the same request twice at once makes one change."""
from __future__ import annotations

from datetime import timedelta

import pytest

from server.core.errors import DomainError
from server.linkage import queries
from server.linkage import service as linkage
from server.linkage.models import LinkageActivity, LinkageSuggestion
from server.pushes.models import OutboxMessage
from tests.concurrency import run_together
from tests.linkage.conftest import png_bytes

pytestmark = pytest.mark.both_databases("row locks decide which of two identical requests wins")


def _outcomes(results):
    return sorted("ok" if not isinstance(r, Exception) else type(r).__name__ for r in results)


def test_twice_at_once_is_once(lk, clock):
    task = lk.issued()
    aid = lk.assignment_id(task.id)
    office = lk.id("蔡静")
    assert _outcomes(run_together([lambda: linkage.acknowledge_assignment(lk.uow, actor_id=office, assignment_id=aid)] * 2)) \
        == ["InvalidTransitionError", "ok"]
    plan = dict(actor_id=office, assignment_id=aid, kind="inspection", title="专项视察", place="街道办",
                starts_at=clock.now() + timedelta(days=1), deputy_ids=[lk.id("李春梅")])
    assert _outcomes(run_together([lambda: linkage.plan_activity(lk.uow, **plan)] * 2)) == ["ConflictError", "ok"]
    assert lk.count(LinkageActivity) == 1
    assert lk.count(OutboxMessage, OutboxMessage.kind == "linkage_invited") == 1
    say = dict(actor_id=lk.id("李春梅"), assignment_id=aid, text="坡道需复核")
    assert _outcomes(run_together([lambda: linkage.add_suggestion(lk.uow, **say)] * 2)) == ["ConflictError", "ok"]
    [suggestion] = queries.get_assignment(lk.uow, viewer_id=office, assignment_id=aid)["suggestion_items"]
    results = run_together([lambda: linkage.make_case_from_suggestion(lk.uow, actor_id=office,
                                                                      suggestion_id=suggestion["id"])] * 2)
    assert _outcomes(results) == ["ConflictError", "ok"]
    assert lk.count(LinkageSuggestion, LinkageSuggestion.case_id.is_not(None)) == 1
    submit = dict(actor_id=office, assignment_id=aid, report="报告")
    assert _outcomes(run_together([lambda: linkage.submit_results(lk.uow, **submit)] * 2)) == [
        "InvalidTransitionError", "ok"]
    assert lk.count(OutboxMessage, OutboxMessage.kind == "linkage_submitted") == 1


def test_attendance_photos_must_be_images(lk, clock):
    from server.linkage.service import Upload
    from tests.linkage.conftest import PDF

    task = lk.issued()
    aid = lk.assignment_id(task.id)
    office = lk.id("蔡静")
    linkage.acknowledge_assignment(lk.uow, actor_id=office, assignment_id=aid)
    activity = linkage.plan_activity(lk.uow, actor_id=office, assignment_id=aid, kind="meeting", title="座谈会",
                                     place="街道办", starts_at=clock.now() + timedelta(hours=2),
                                     deputy_ids=[lk.id("李春梅")])
    clock.advance(hours=3)
    with pytest.raises(DomainError):
        linkage.record_attendance(lk.uow, actor_id=office, activity_id=activity.id, attended_ids=[lk.id("李春梅")],
                                  photos=[Upload("会议纪要.pdf", PDF)])
    assert queries.get_assignment(lk.uow, viewer_id=office, assignment_id=aid)["activity_items"][0][
        "attendance_recorded_at"] is None
    linkage.add_activity_photos(lk.uow, actor_id=office, activity_id=activity.id, photos=[Upload("会场.png", png_bytes())])
    photos = queries.get_assignment(lk.uow, viewer_id=office, assignment_id=aid)["activity_items"][0]["photos"]
    assert [p["filename"] for p in photos] == ["会场.png"]
