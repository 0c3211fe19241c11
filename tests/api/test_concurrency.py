"""Retries and races over HTTP never duplicate: one winner, and a clear answer for the others."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import func, select

from server.people.models import Person, WechatIdentity

pytestmark = pytest.mark.both_databases("races over HTTP: each database locks in its own way")

PARALLEL = 6


def race(calls):
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(lambda call: call(), calls))


def test_the_same_new_user_logging_in_at_once_becomes_one_person(live_server):
    url = f"{live_server.url}/api/v1/auth/login"
    answers = race([lambda: requests.post(url, json={"code": "twice-at-once"}, timeout=20)] * PARALLEL)
    assert [a.status_code for a in answers] == [200] * PARALLEL
    assert len({a.json()["me"]["id"] for a in answers}) == 1
    with live_server.runtime.uow().transaction() as session:
        assert session.scalar(select(func.count()).select_from(WechatIdentity)) == 1
        assert session.scalar(select(func.count()).select_from(Person)) == 1


def test_one_refresh_token_used_at_once_gives_exactly_one_new_pair(live):
    tokens = requests.post(f"{live.server.url}/api/v1/auth/password",
                           json={"username": "hubin-office", "password": "minyi-demo"}, timeout=10).json()
    url = f"{live.server.url}/api/v1/auth/refresh"
    answers = race([lambda: requests.post(url, json={"refresh_token": tokens["refresh_token"]}, timeout=20)]
                   * PARALLEL)
    assert sorted(a.status_code for a in answers) == [200] + [401] * (PARALLEL - 1)


def test_two_deputies_accepting_at_once_one_wins_the_other_is_told(live):
    case = live.world.create_case()
    deputies = [live.sign_in(live.world.person(name)) for name in ("严民强", "周立群")]
    answers = race([lambda d=d: d.post(f"/cases/{case.id}/accept", json={}) for d in deputies])
    assert sorted(a.status_code for a in answers) == [200, 409]
    loser = next(a for a in answers if a.status_code == 409).json()["error"]
    assert loser["code"] in ("invalid_transition", "conflict") and loser["message"]
    timeline = deputies[0].get(f"/cases/{case.id}").get_json()["timeline"]
    assert [e["action"] for e in timeline] == ["submit", "accept"]
