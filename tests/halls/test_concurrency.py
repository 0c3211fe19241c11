"""Two taps at once: one support, one clear refusal, a count of one (the unique pair decides)."""
from __future__ import annotations

import threading

import pytest

from server.core.errors import ConflictError
from server.halls import opinions
from server.halls.models import Opinion, Support

pytestmark = pytest.mark.both_databases("concurrent supports: the unique pair and ON CONFLICT decide")


def test_concurrent_double_support_makes_one(hall):
    topic = hall.open_now()
    opinion = opinions.post_opinion(hall.uow, author_id=hall.id("张秀英"), topic_id=topic.id, text="加装隔离栏")
    supporter = hall.id("朱伟")
    barrier, outcomes = threading.Barrier(4), []

    def tap():
        barrier.wait()
        try:
            opinions.support_opinion(hall.runtime.uow(), person_id=supporter, opinion_id=opinion.id)
            outcomes.append("ok")
        except ConflictError:
            outcomes.append("conflict")

    threads = [threading.Thread(target=tap) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["conflict", "conflict", "conflict", "ok"]
    assert hall.count(Support) == 1
    with hall.runtime.uow().transaction() as session:
        assert session.get(Opinion, opinion.id).support_count == 1
