"""Access control, table-driven: every endpoint x every role x an object inside and outside their scope.

Each row names the state the case must be in, the request, and the expected status per role for the
case inside the caller's scope (湖滨, reported by 章小平, routed to 湖滨's public unit) and for the
twin case outside it (凯旋, reported by 朱伟, routed to 凯旋's unit). Every attempt gets fresh cases, so
a success cannot change what the next attempt sees. 404 never reveals another's data.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest

from server.cases import service as cases

from .conftest import jpeg_bytes, upload

ROLES = ("resident", "council", "deputy", "office", "unit", "district")
# A council member reports like a resident: inside their scope is the case they reported themselves.
OWN_REPORTER = {"council": "林国平"}
SIDES = ("in", "out")
# Per side: the street, the reporter, the accepting deputy, the office, the unit the case is routed to.
SIDE_PEOPLE = {
    "in": {"street": "hubin", "reporter": "章小平", "deputy": "严民强", "unit": "湖滨街道公共管理办公室"},
    "out": {"street": "kaixuan", "reporter": "朱伟", "deputy": "陈海燕", "unit": "凯旋街道公共管理办公室"},
}


@dataclass
class Row:
    name: str
    method: str
    path: str  # {case} is replaced by the case id, {photo} by its report photo's id
    state: str | None  # the state the case is brought to first; None: no case is involved
    expect: dict[str, tuple[int, int]]  # role -> (status inside scope, status outside scope)
    body: Any = None  # dict, or callable(ctx, side) -> dict
    fresh_session: bool = False  # the call ends the caller's session (logout): sign in anew each time


def only(role_status: dict[str, tuple[int, int]]) -> dict[str, tuple[int, int]]:
    if "resident" in role_status:
        role_status.setdefault("council", role_status["resident"])
    return {role: role_status.get(role, (403, 403)) for role in ROLES}


EVERYONE_SEES = only({"resident": (200, 404), "deputy": (200, 404), "office": (200, 404), "unit": (200, 404),
                      "district": (200, 200)})
EVERYONE = {role: (200, 200) for role in ROLES}

TABLE = [
    Row("read a case", "GET", "/cases/{case}", "routed", EVERYONE_SEES),
    Row("see a case's photo", "GET", "/attachments/{photo}", "routed", EVERYONE_SEES),
    Row("routing options", "GET", "/cases/{case}/routing-options", "accepted",
        only({"office": (200, 404), "district": (200, 200)})),
    Row("accept", "POST", "/cases/{case}/accept", "submitted", only({"deputy": (200, 404)}), {}),
    Row("forward", "POST", "/cases/{case}/forward", "accepted", only({"deputy": (200, 404)}),
        {"note": "请街道尽快研判"}),
    Row("recategorize", "POST", "/cases/{case}/category", "submitted",
        only({"office": (200, 404), "district": (200, 200)}), lambda ctx, side: {"category_id": ctx.category_id}),
    Row("route", "POST", "/cases/{case}/route", "accepted", only({"office": (200, 404), "district": (200, 200)}),
        lambda ctx, side: {"unit_id": ctx.unit_ids[side]}),
    Row("re-route an escalated case", "POST", "/cases/{case}/route", "escalated",
        only({"office": (403, 404), "district": (200, 200)}), lambda ctx, side: {"unit_id": ctx.unit_ids[side]}),
    Row("reject", "POST", "/cases/{case}/reject", "submitted", only({"office": (200, 404), "district": (200, 200)}),
        {"reason": "不属于受理范围"}),
    Row("merge", "POST", "/cases/{case}/merge", "submitted", only({"office": (200, 404), "district": (200, 200)}),
        lambda ctx, side: {"into_case_id": ctx.new_case(side).id}),
    Row("similar reports", "GET", "/cases/{case}/similar", "submitted",
        only({"office": (200, 404), "district": (200, 200)})),
    Row("escalate", "POST", "/cases/{case}/escalate", "routed", only({"office": (200, 404)}),
        {"reason": "超出街道职权"}),
    Row("resolve", "POST", "/cases/{case}/resolve", "routed", only({"unit": (200, 404)}), {"feedback": "已处理完毕"}),
    Row("rate", "POST", "/cases/{case}/rating", "resolved", only({"resident": (200, 404)}),
        {"satisfaction": "satisfied"}),
    Row("add information", "POST", "/cases/{case}/info", "submitted", only({"resident": (200, 404)}),
        {"text": "晚上更明显"}),
    Row("submit a case", "POST", "/cases", None, only({"resident": (201, 201)}), {"description": "路灯坏了"}),
    Row("duty record", "GET", "/me/duty-record", None, only({"deputy": (200, 200)})),
    Row("inbox", "GET", "/cases/inbox", None, EVERYONE),
    Row("list cases", "GET", "/cases", None, EVERYONE),
    Row("me", "GET", "/me", None, EVERYONE),
    Row("update my name", "PATCH", "/me", None, EVERYONE, {"name": "新名字"}),
    Row("upload a photo", "POST", "/uploads", None, {role: (201, 201) for role in ROLES}),
    Row("log out", "POST", "/auth/logout", None, EVERYONE, fresh_session=True),
    Row("streets", "GET", "/streets", None, EVERYONE),
    Row("categories", "GET", "/categories", None, EVERYONE),
    Row("units", "GET", "/units", None, EVERYONE),
]


class Context:
    def __init__(self, world, runtime, sign_in):
        self.world, self.runtime = world, runtime
        self.sign_in = sign_in
        self.people = {"resident": world.person("章小平"), "council": world.person("林国平"),
                       "deputy": world.person("严民强"),
                       "office": world.office("hubin"), "unit": world.unit_staff("湖滨街道公共管理办公室"),
                       "district": world.district()}
        self.callers = {role: sign_in(person) for role, person in self.people.items()}
        names = {p["reporter"] for p in SIDE_PEOPLE.values()} | set(OWN_REPORTER.values())
        self.reporters = {name: sign_in(world.person(name)) for name in names}
        self.unit_ids = {side: world.unit(p["unit"]).id for side, p in SIDE_PEOPLE.items()}
        self.category_id = world.category("facilities").id

    def new_case(self, side: str, state: str = "submitted", reporter: str | None = None):
        """A case of that side in the given state, made through the real services and the API upload."""
        people, world, uow = SIDE_PEOPLE[side], self.world, self.runtime.uow
        reporter = reporter or people["reporter"]
        # A distinct picture per case: identical bytes would be one attachment shared by both cases.
        self.made = getattr(self, "made", 0) + 1
        picture = jpeg_bytes(color=(self.made % 256, self.made // 256, 99))
        photo = upload(self.reporters[reporter], picture).get_json()["id"]
        case = world.create_case(reporter=reporter, description="小区门口路灯坏了，晚上出行不安全",
                                 attachment_ids=[photo])
        case.photo_id = photo
        office_id = world.office(people["street"]).id
        if state in ("accepted", "routed", "resolved", "escalated"):
            cases.accept_case(uow(), actor_id=world.person(people["deputy"]).id, case_id=case.id)
        if state in ("routed", "resolved", "escalated"):
            cases.route_case(uow(), actor_id=office_id, case_id=case.id, unit_id=self.unit_ids[side])
        if state == "resolved":
            cases.resolve_case(uow(), actor_id=world.unit_staff(people["unit"]).id, case_id=case.id, feedback="好了")
        if state == "escalated":
            cases.escalate_case(uow(), actor_id=office_id, case_id=case.id, reason="需区里协调")
        return case


@pytest.fixture
def ctx(world, runtime, sign_in):
    return Context(world, runtime, sign_in)


@pytest.mark.parametrize("row", TABLE, ids=[row.name for row in TABLE])
def test_access_matrix(ctx, row):
    wrong = []
    for role in ROLES:
        for side, expected in zip(SIDES, row.expect[role], strict=True):
            path = row.path
            if row.state is not None:
                own = OWN_REPORTER.get(role) if side == "in" else None
                case = ctx.new_case(side, row.state, reporter=own)
                path = path.format(case=case.id, photo=case.photo_id)
            body = row.body(ctx, side) if callable(row.body) else row.body
            caller = ctx.sign_in(ctx.people[role]) if row.fresh_session else ctx.callers[role]
            if path == "/uploads":
                response = upload(caller, jpeg_bytes(color=(len(wrong), ROLES.index(role), SIDES.index(side))))
            else:
                response = caller._call(row.method, path, json=body)
            if response.status_code != expected:
                wrong.append(f"{role}/{side}: {response.status_code} (expected {expected}) {response.get_data()[:160]!r}")
            elif response.status_code >= 400:
                error = response.get_json()["error"]
                assert error["code"] and error["message"], response.get_json()
                assert "tracking_number" not in response.get_data(True)
    assert not wrong, "\n".join(wrong)


def test_unauthenticated_calls_to_every_protected_endpoint_get_401(app, anonymous):
    document = anonymous.get("/openapi.json").get_json()
    checked = 0
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if not operation.get("security"):
                continue
            url = re.sub(r"\{\w+\}", "1", path.removeprefix("/api/v1"))  # every path parameter, e.g. {topic_id}
            response = anonymous._call(method.upper(), url, headers={"Authorization": "Bearer forged.token"})
            assert response.status_code == 401, (method, path, response.get_json())
            assert response.get_json()["error"]["code"] == "unauthorized"
            checked += 1
    assert checked >= 20
