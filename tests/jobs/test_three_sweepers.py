"""Three `minyi sweep` processes at once against PostgreSQL over 1,000 cases: every act exactly once."""
from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from server.cases import deadlines as rules
from server.cases.models import CaseEvent, CaseReminder
from server.cases.states import CaseAction
from server.pushes.models import OutboxMessage
from tests.factories import World

from .conftest import minyi_env, start_minyi
from .helpers import insert_cases

CASES = 1000
SPREAD = timedelta(hours=10)  # submissions 36 s apart, so each round finds cases on both sides of a line
# Cases accepted at once (the street office holds them), so the rounds are about reminders and the deadline
# (auto-forward under concurrency is covered by test_sweep_concurrency).
# 30 h: 60 % reminded at 24 h; 78 h: 60 % overdue and escalated, the rest
# reminded at 66 h with 24 h recorded (if still unclaimed) and 48 h recorded but superseded.
ROUNDS_AFTER_FIRST = (timedelta(hours=30), timedelta(hours=78))
HOURS = rules.DEFAULT_REMINDER_HOURS


def expected_acts(submitted: list, rounds: list) -> tuple[dict, Counter, Counter]:
    """What sweeping at `rounds` must do: claims, reminders pushed per round, and overdue cases."""
    claimed: dict[tuple[int, int], int] = {}
    sent_per_round: Counter = Counter()
    overdue: Counter = Counter()
    for index, now in enumerate(rounds):
        for case_id, at in submitted:
            if case_id in overdue:
                continue
            crossed = rules.crossed_thresholds(at, now, HOURS)
            late = now >= at + rules.RESPONSE_WINDOW
            if late:
                overdue[case_id] = index
            if crossed and (case_id, crossed[-1]) not in claimed and not late:
                sent_per_round[index] += 1
            for threshold in crossed:
                claimed.setdefault((case_id, threshold), 1 if (threshold == crossed[-1] and not late) else 0)
    return claimed, sent_per_round, overdue


@pytest.mark.slow
def test_three_sweep_processes_record_each_reminder_exactly_once(pg_migrated_url, pg_runtime, tmp_path):
    runtime = pg_runtime
    world = World.load(runtime)
    first = runtime.clock.now()
    ids = insert_cases(runtime, count=CASES, street_id=world.street("hubin").id,
                       reporter_id=world.person("章小平").id, first=first, spacing=SPREAD / CASES, accepted=True)
    submitted = [(case_id, first + (SPREAD / CASES) * index) for index, case_id in enumerate(ids)]
    rounds = [first + offset for offset in ROUNDS_AFTER_FIRST]
    claimed, sent_per_round, overdue = expected_acts(submitted, rounds)
    env = minyi_env(pg_migrated_url, tmp_path)

    shares = []
    for index, now in enumerate(rounds):
        processes = [start_minyi("sweep", "--job", "deadlines", "--at", now.isoformat(), env=env) for _ in range(3)]
        outputs = [process.communicate(timeout=300) for process in processes]
        assert all(process.returncode == 0 for process in processes), [err for _, err in outputs]
        results = [json.loads(out)["jobs"]["deadlines"]["result"] for out, _ in outputs]
        assert sum(r["errors"] for r in results) == 0
        assert sum(r["checked"] for r in results) == CASES - sum(1 for r in overdue.values() if r < index)
        assert sum(r["reminders_sent"] for r in results) == sent_per_round[index]
        shares.append([r["checked"] for r in results])
    print(f"cases checked by each of the three processes, per round: {shares}")
    assert any(sum(1 for share in round_shares if share) > 1 for round_shares in shares), shares

    with runtime.uow().transaction() as session:
        recorded = {(r.case_id, r.threshold_hours): r.pushes for r in session.scalars(select(CaseReminder))}
        remind_events = Counter((case_id, data.get("threshold")) for case_id, data in session.execute(
            select(CaseEvent.case_id, CaseEvent.data).where(CaseEvent.action == CaseAction.remind)))
        per_action = Counter(session.execute(select(CaseEvent.action, CaseEvent.case_id)).all())
        reminder_rows = session.scalar(select(func.count()).select_from(OutboxMessage)
                                       .where(OutboxMessage.kind == "case_reminder"))
        distinct_reminders = session.scalar(select(func.count(func.distinct(OutboxMessage.dedupe_key)))
                                            .where(OutboxMessage.kind == "case_reminder"))
    assert recorded == claimed
    assert remind_events == Counter({key: 1 for key, pushes in claimed.items() if pushes})
    assert all(per_action[(CaseAction.escalate, case_id)] == (1 if case_id in overdue else 0) for case_id in ids)
    # hubin's office (one person) holds every case: one push per reminder sent, none twice.
    assert reminder_rows == distinct_reminders == sum(sent_per_round.values())
