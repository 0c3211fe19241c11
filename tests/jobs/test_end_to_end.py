"""A case left alone, with three schedulers running every job, as the sandbox's WeChat records it."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
import requests

from server.cases import service as cases
from server.core.runtime import build_runtime
from server.jobs import run_all_once
from server.people.models import WechatIdentity

pytestmark = pytest.mark.both_databases("schedulers in separate processes against each database")

TEMPLATE = "cgi-bin/message/template/send"


def bind(runtime, person, openid: str) -> None:
    with runtime.uow().transaction() as session:
        session.add(WechatIdentity(app="mp", openid=openid, person_id=person.id, subscribed=True,
                                   created_at=runtime.clock.now()))


def three_schedulers_run_every_job(runtimes) -> None:
    """Each "process" runs all jobs (deadline sweep, then dispatcher) at the same moment."""
    barrier = threading.Barrier(len(runtimes))
    outcomes: list[dict] = []

    def run(runtime) -> None:
        barrier.wait()
        outcomes.append(run_all_once(runtime))

    threads = [threading.Thread(target=run, args=(runtime,)) for runtime in runtimes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(outcomes) == len(runtimes)
    assert all(result["ok"] for outcome in outcomes for result in outcome.values()), outcomes


def test_a_case_left_alone_is_chased_escalated_and_closed_with_the_right_pushes(live_server, world, clock):
    runtime = live_server.runtime
    unit = world.unit("湖滨街道公共管理办公室")
    people = {"严民强": "oYan", "周立群": "oZhou", "胡敏": "oHu", "章小平": "oZhang"}
    for name, openid in people.items():
        bind(runtime, world.person(name), openid)
    bind(runtime, world.unit_staff(unit.name), "oUnit")
    bind(runtime, world.district(), "oDistrict")
    # Three scheduler "processes": each its own runtime (own WeChat gateway), sharing database and clock.
    schedulers = [build_runtime(runtime.settings, clock=clock, engine=runtime.engine) for _ in range(3)]

    case = world.create_case()
    start = case.submitted_at
    for hours in (0, 11, 12, 24, 24.5):
        clock.set(start + timedelta(hours=hours))
        three_schedulers_run_every_job(schedulers)
    clock.set(start + timedelta(hours=30))
    cases.route_case(runtime.uow(), actor_id=world.office("hubin").id, case_id=case.id, unit_id=unit.id)
    for hours in (30, 48, 60, 66, 72, 73):
        clock.set(start + timedelta(hours=hours))
        three_schedulers_run_every_job(schedulers)
    clock.set(start + timedelta(hours=80))
    cases.route_case(runtime.uow(), actor_id=world.district().id, case_id=case.id, unit_id=unit.id)
    three_schedulers_run_every_job(schedulers)
    clock.set(start + timedelta(hours=90))
    cases.resolve_case(runtime.uow(), actor_id=world.unit_staff(unit.name).id, case_id=case.id,
                       feedback="已补种绿化")
    three_schedulers_run_every_job(schedulers)

    response = requests.get(f"{live_server.url}/sandbox/api/calls", params={"path": TEMPLATE}, timeout=5)
    # Accepted sends only: the clock jumps hours at a time, so tokens expire (42001) and are refreshed.
    calls = [call for call in response.json()["calls"] if call["response"].get("errcode") == 0]
    seen = sorted((datetime.fromisoformat(call["time"]) - start, call["body"]["touser"],
                   call["body"]["data"]["title"]["value"]) for call in calls)
    h = timedelta(hours=1)
    assert seen == sorted([
        (0 * h, "oYan", "新反映请接收"), (0 * h, "oZhou", "新反映请接收"),
        (12 * h, "oHu", "反映已转交街道"),
        (24 * h, "oHu", "催办提醒"),
        (30 * h, "oUnit", "反映已流转"), (30 * h, "oZhang", "您的反映已交办"),
        (48 * h, "oUnit", "催办提醒"),
        (66 * h, "oUnit", "催办提醒"),
        (72 * h, "oDistrict", "反映已提级"), (72 * h, "oHu", "反映超期"),
        # 1 December: November's ranking board is frozen, and 湖滨's office and deputies hear their place
        (72 * h, "oHu", "赛马晾晒结果"), (72 * h, "oYan", "赛马晾晒结果"), (72 * h, "oZhou", "赛马晾晒结果"),
        (80 * h, "oUnit", "反映已流转"),  # the same unit again: the resident was told already
        (90 * h, "oZhang", "反映已办结"),
    ])
    texts = {(call["body"]["touser"], call["time"]): call["body"]["data"]["content"]["value"] for call in calls}
    assert "还剩 6 小时" in texts[("oUnit", (start + 66 * h).isoformat())]
    assert case.tracking_number in texts[("oZhang", (start + 90 * h).isoformat())]
