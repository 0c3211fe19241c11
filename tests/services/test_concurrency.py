"""Real concurrent connections: one winner per case, unique tracking numbers."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from server.cases import service as cases
from server.cases.models import CaseEvent
from server.cases.states import CaseAction, CaseState
from server.core.errors import ConflictError, InvalidTransitionError
from tests.concurrency import run_together

pytestmark = pytest.mark.both_databases("real concurrent connections: each database locks in its own way")


def test_two_deputies_accept_at_the_same_instant_exactly_one_wins(world, runtime):
    for _ in range(5):
        case = world.create_case()
        deputies = [world.person("严民强"), world.person("周立群")]
        results = run_together([
            (lambda d=d, c=case.id: cases.accept_case(runtime.uow(), actor_id=d.id, case_id=c)) for d in deputies
        ])
        winners = [r for r in results if not isinstance(r, Exception)]
        losers = [r for r in results if isinstance(r, Exception)]
        assert len(winners) == 1 and len(losers) == 1
        assert isinstance(losers[0], InvalidTransitionError | ConflictError)
        assert "已接收" in losers[0].message or "他人" in losers[0].message
        final = world.reload(case)
        assert final.state == CaseState.accepted and final.accepted_by_id == winners[0].accepted_by_id
        with runtime.uow().transaction() as session:
            accepts = session.scalar(select(func.count()).select_from(CaseEvent).where(
                CaseEvent.case_id == case.id, CaseEvent.action == CaseAction.accept))
        assert accepts == 1


def test_concurrent_submissions_get_unique_consecutive_tracking_numbers(world, runtime):
    reporter = world.person("章小平")
    results = run_together([
        (lambda i=i: cases.submit_case(runtime.uow(), reporter_id=reporter.id, description=f"路灯坏了 {i}"))
        for i in range(12)
    ])
    assert not [r for r in results if isinstance(r, Exception)], results
    numbers = sorted(r.tracking_number for r in results)
    assert numbers == [f"MY-20261128-{n:04d}" for n in range(1, 13)]
