"""Every endpoint of the app, classified; every scoped one probed from outside its scope.

The table is generated against `app.url_map`: an endpoint that is not classified here fails the first
test with its name, so a new endpoint (the console's, a new module's) cannot ship without saying who
may call it. Scoped endpoints must also be probed: the cases' ones by the rows of
tests/api/test_access_matrix.py, the sandbox's by tests/security/test_sandbox_guard.py, the halls' and
the public pages' below, where every attempt from outside the scope must be refused (403/404) without a
byte of the object in the answer, and nothing may change.
"""
from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta

import pytest

from server.cases import public as public_cases
from server.halls import opinions
from server.halls import service as topics
from tests.api import test_access_matrix as case_matrix
from tests.api.conftest import jpeg_bytes
from tests.security import test_sandbox_guard as sandbox_guard

PUBLIC = "public"  # anyone: pages, health, the OpenAPI document, sign-in
WEBHOOK = "webhook"  # WeChat's signature (tests/bot)
SIGNED_IN = "signed-in"  # any signed-in caller, about themselves or reference lists; no object of others
ROLE = "role"  # a role check (x-roles in the OpenAPI document), no object of others
SCOPED = "scoped"  # an object with a scope: probed from outside it
SIGNED_LINK = "signed-link"  # an HMAC-signed link is the key (the public case page)
SANDBOX = "sandbox"  # development/testing or a district admin (test_sandbox_guard.py)
CONSOLE = "console"  # a staff member signed in to the console (its session cookie); anonymous → sign-in page
OPERATOR = "operator"  # /metrics: localhost, or the MINYI_METRICS_TOKEN bearer (tests/ops)

ENDPOINTS = {
    "static": PUBLIC, "health.healthz": PUBLIC, "dashboard.dashboard_page": PUBLIC,
    "dashboard.dashboard_json": PUBLIC, "halls_web.topic_page": SCOPED, "case_page.case_page": SIGNED_LINK,
    "case_page.feedback_photo": SIGNED_LINK, "wechat.verify_url": WEBHOOK, "wechat.receive": WEBHOOK,
    "api_openapi.openapi_json": PUBLIC, "api_auth_public.login": PUBLIC, "api_auth_public.password_login": PUBLIC,
    "api_auth_public.refresh": PUBLIC, "api_auth.logout": SIGNED_IN,
    "api_me.me": SIGNED_IN, "api_me.update_me": SIGNED_IN, "api_me.duty_record": ROLE,
    "api_me.create_my_bind_code": ROLE, "api_me.my_data": SIGNED_IN, "api_me.erase_me": ROLE, "api_me.request_my_erasure": ROLE,
    "api_reference.categories": SIGNED_IN, "api_reference.streets": SIGNED_IN, "api_reference.units": SIGNED_IN,
    "api_uploads.upload": SIGNED_IN, "api_uploads.attachment": SCOPED,
    "api_cases.list_cases": SCOPED, "api_cases.inbox": SCOPED, "api_cases.submit": ROLE,
    "api_cases.get_case": SCOPED, "api_cases.routing_options": SCOPED, "api_cases.similar": SCOPED,
    "api_case_actions.accept": SCOPED, "api_case_actions.recategorize": SCOPED,
    "api_case_actions.escalate": SCOPED, "api_case_actions.forward": SCOPED, "api_case_actions.add_info": SCOPED,
    "api_case_actions.merge": SCOPED, "api_case_actions.rate": SCOPED, "api_case_actions.reject": SCOPED,
    "api_case_actions.resolve": SCOPED, "api_case_actions.route": SCOPED,
    "api_topics.list_topics": SCOPED, "api_topics.near_me": SCOPED, "api_topics.get_topic": SCOPED,
    "api_topics.list_opinions": SCOPED, "api_topics.post_opinion": SCOPED, "api_topics.support": ROLE,
    "api_topics.withdraw": ROLE, "api_topics.subscribe": ROLE, "api_topics.unsubscribe": ROLE,
    "api_topics.create_topic": SCOPED, "api_topics.edit_topic": SCOPED, "api_topics.open_topic": SCOPED,
    "api_topics.close_topic": SCOPED, "api_topics.extend_topic": SCOPED, "api_topics.conclude_topic": SCOPED,
    "api_topics.figures": SCOPED, "api_topics.poster": SCOPED, "api_topics.qrcode": SCOPED,
    "api_topics.hide": SCOPED, "api_topics.pin": SCOPED, "api_topics.reply": SCOPED, "api_topics.make_case": SCOPED,
    "landing.landing": PUBLIC, "api_docs.docs": PUBLIC, "console.login": PUBLIC, "console.static": PUBLIC,
    "console.home": CONSOLE, "console.logout": CONSOLE,
    "sandbox_page.chat": PUBLIC, "sandbox_page.static": PUBLIC, "sandbox_api.wechat_api": PUBLIC,
    "sandbox_api.list_calls": SANDBOX, "sandbox_api.clear_calls": SANDBOX, "sandbox_api.list_faults": SANDBOX,
    "sandbox_api.add_fault": SANDBOX, "sandbox_api.clear_faults": SANDBOX, "sandbox_api.revoke_tokens": SANDBOX,
    "sandbox_api.set_user": SANDBOX, "sandbox_api.add_media": SANDBOX, "sandbox_user.send": SANDBOX,
    "sandbox_user.raw": SANDBOX, "sandbox_user.pushes": SANDBOX,
    # The console's pages (each page's scope is tested with its module: tests/console, tests/linkage,
    # tests/deputies, tests/statistics) and the modules' API (tests/linkage, tests/deputies).
    "api_deputies.add_entry": ROLE,
    "api_deputies.duty_record": SCOPED,
    "api_deputies.duty_record_pdf": SCOPED,
    "api_deputies.edit_profile": ROLE,
    "api_deputies.list_deputies": ROLE,
    "api_deputies.my_deputies": ROLE,
    "api_deputies.ranking": ROLE,
    "api_deputies.set_weights": ROLE,
    "api_deputies.weights": ROLE,
    "api_linkage.accept": SCOPED,
    "api_linkage.acknowledge": SCOPED,
    "api_linkage.add_photo": SCOPED,
    "api_linkage.add_result_file": SCOPED,
    "api_linkage.add_suggestion": SCOPED,
    "api_linkage.add_task_file": SCOPED,
    "api_linkage.answer_invitation": SCOPED,
    "api_linkage.close_task": SCOPED,
    "api_linkage.collect": SCOPED,
    "api_linkage.create_task": ROLE,
    "api_linkage.get_assignment": SCOPED,
    "api_linkage.get_file": SCOPED,
    "api_linkage.get_task": SCOPED,
    "api_linkage.issue_task": SCOPED,
    "api_linkage.list_tasks": ROLE,
    "api_linkage.make_case": SCOPED,
    "api_linkage.my_invitations": ROLE,
    "api_linkage.my_suggestions": ROLE,
    "api_linkage.open_collection": SCOPED,
    "api_linkage.plan_activity": SCOPED,
    "api_linkage.record_attendance": SCOPED,
    "api_linkage.return_": SCOPED,
    "api_linkage.submit_results": SCOPED,
    "api_receptions.book": SCOPED,
    "api_receptions.cancel": SCOPED,
    "api_receptions.close": SCOPED,
    "api_receptions.get_reception": SCOPED,
    "api_receptions.list_receptions": ROLE,
    "api_receptions.matter_to_case": SCOPED,
    "api_receptions.raise_matter": SCOPED,
    "api_receptions.record_visit": SCOPED,
    "api_receptions.schedule": SCOPED,
    "api_receptions.subscribe": ROLE,
    "api_receptions.unbook": SCOPED,
    "api_receptions.unsubscribe": ROLE,
    "api_stations.create_station": ROLE,
    "api_stations.edit_station": SCOPED,
    "api_stations.get_station": SCOPED,
    "api_stations.list_stations": ROLE,
    "console.act_on_case": CONSOLE,
    "console.add_entry": CONSOLE,
    "console.admin_audit": CONSOLE,
    "console.admin_audit_csv": CONSOLE,
    "console.admin_people": CONSOLE,
    "console.admin_person": CONSOLE,
    "console.admin_person_active": CONSOLE,
    "console.admin_person_bind_code": CONSOLE,
    "console.admin_person_new": CONSOLE,
    "console.admin_person_password": CONSOLE,
    "console.admin_place_save": CONSOLE,
    "console.admin_places": CONSOLE,
    "console.admin_push_retry": CONSOLE,
    "console.admin_pushes": CONSOLE,
    "console.admin_rule_delete": CONSOLE,
    "console.all_cases": CONSOLE,
    "console.bulk_action": CONSOLE,
    "console.case_photo": CONSOLE,
    "console.delete_reply_template": CONSOLE,
    "console.deputy_profile": CONSOLE,
    "console.deputy_profiles": CONSOLE,
    "console.deputy_ranking": CONSOLE,
    "console.deputy_record": CONSOLE,
    "console.deputy_record_pdf": CONSOLE,
    "console.district_watch": CONSOLE,
    "console.duplicates_panel": CONSOLE,
    "console.duty_weights": CONSOLE,
    "console.entry_photo": CONSOLE,
    "console.figures": CONSOLE,
    "console.figures_cases": CONSOLE,
    "console.figures_export": CONSOLE,
    "console.figures_report": CONSOLE,
    "console.figures_weights": CONSOLE,
    "console.hall": CONSOLE,
    "console.hall_close": CONSOLE,
    "console.hall_conclude": CONSOLE,
    "console.hall_download": CONSOLE,
    "console.hall_edit": CONSOLE,
    "console.hall_extend": CONSOLE,
    "console.hall_file": CONSOLE,
    "console.hall_follow_up_done": CONSOLE,
    "console.hall_moderate": CONSOLE,
    "console.hall_new": CONSOLE,
    "console.hall_open": CONSOLE,
    "console.halls": CONSOLE,
    "console.linkage_acknowledge": CONSOLE,
    "console.linkage_assignment": CONSOLE,
    "console.linkage_attendance": CONSOLE,
    "console.linkage_close": CONSOLE,
    "console.linkage_collect": CONSOLE,
    "console.linkage_collection": CONSOLE,
    "console.linkage_file": CONSOLE,
    "console.linkage_issue": CONSOLE,
    "console.linkage_make_case": CONSOLE,
    "console.linkage_new": CONSOLE,
    "console.linkage_plan": CONSOLE,
    "console.linkage_review": CONSOLE,
    "console.linkage_submit": CONSOLE,
    "console.linkage_suggest": CONSOLE,
    "console.linkage_task": CONSOLE,
    "console.linkage_tasks": CONSOLE,
    "console.matter_case": CONSOLE,
    "console.merge_search": CONSOLE,
    "console.my_cases": CONSOLE,
    "console.my_receptions": CONSOLE,
    "console.my_record": CONSOLE,
    "console.reception_cancel": CONSOLE,
    "console.reception_close": CONSOLE,
    "console.reception_detail": CONSOLE,
    "console.reception_new": CONSOLE,
    "console.reception_visit": CONSOLE,
    "console.receptions": CONSOLE,
    "console.reply_templates": CONSOLE,
    "console.show_case": CONSOLE,
    "console.station_edit": CONSOLE,
    "console.stations": CONSOLE,
    "console.triage_queue": CONSOLE,
    "console.unit_cases": CONSOLE,
    "metrics.metrics": OPERATOR,
    "stations_web.station_page": PUBLIC,
}

DRAFT_TITLE = "湖滨草稿议题甲乙丙"
OPEN_TITLE = "湖滨开放议题丁戊己"
OPINION_TEXT = "湖滨居民的意见庚辛壬癸"
MARKERS = (DRAFT_TITLE, OPEN_TITLE, OPINION_TEXT)


def routes(app) -> dict[str, list[tuple[str, str]]]:
    found: dict[str, list[tuple[str, str]]] = {}
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.setdefault(rule.endpoint, []).append((method, rule.rule))
    return found


def test_every_endpoint_of_the_app_is_classified(app):
    present = routes(app)
    unclassified = sorted(f"{endpoint} ({', '.join(f'{m} {p}' for m, p in present[endpoint])})"
                          for endpoint in present if endpoint not in ENDPOINTS)
    assert not unclassified, ("endpoints nobody has said who may call; add each to ENDPOINTS in "
                              "tests/security/test_endpoint_matrix.py (and a probe if it is scoped):\n  "
                              + "\n  ".join(unclassified))
    gone = sorted(set(ENDPOINTS) - set(present))
    assert not gone, f"classified endpoints that no longer exist: {gone}"


def _matrix_rows() -> set[tuple[str, str]]:
    return {(row.method, re.sub(r"\{\w+\}", "<id>", row.path)) for row in case_matrix.TABLE}


def test_every_scoped_case_endpoint_has_rows_in_the_access_matrix(app):
    rows = _matrix_rows()
    missing = []
    for endpoint, pairs in routes(app).items():
        if ENDPOINTS.get(endpoint) != SCOPED or not endpoint.startswith(("api_cases.", "api_case_actions.",
                                                                         "api_uploads.")):
            continue
        for method, rule in pairs:
            path = re.sub(r"<(?:int:)?\w+>", "<id>", rule.removeprefix("/api/v1"))
            if (method, path) not in rows:
                missing.append(f"{method} {rule}")
    assert not missing, f"scoped case endpoints without a row in tests/api/test_access_matrix.py: {missing}"


def test_every_sandbox_control_is_guarded_by_the_sandbox_test(app):
    probed = {(method, path.split("?")[0]) for method, path, _ in sandbox_guard.CONTROLS}
    missing = [f"{m} {p}" for endpoint, pairs in routes(app).items() if ENDPOINTS.get(endpoint) == SANDBOX
               for m, p in pairs if (m, p) not in probed]
    assert not missing, f"sandbox controls not in tests/security/test_sandbox_guard.py CONTROLS: {missing}"


def test_no_console_page_answers_a_caller_who_has_not_signed_in(app, client):
    for endpoint, pairs in routes(app).items():
        if ENDPOINTS.get(endpoint) != CONSOLE:
            continue
        for method, rule in pairs:
            path = re.sub(r"<any\(([^,)]+)[^>]*>", r"\1", rule)  # <any(a, b):verb> → a
            response = client.open(re.sub(r"<(?:int:)?\w+>", "1", path), method=method)
            assert response.status_code in (302, 303, 400, 401, 403), (method, rule, response.status_code)
            if response.status_code in (302, 303):
                assert "/console/login" in response.headers["Location"]


def test_every_protected_api_endpoint_refuses_a_caller_without_a_token(app, client):
    refused = 0
    for endpoint, pairs in routes(app).items():
        if ENDPOINTS.get(endpoint) in (SIGNED_IN, ROLE, SCOPED) and endpoint.startswith("api_"):
            for method, rule in pairs:
                response = client.open(re.sub(r"<(?:int:)?\w+>", "1", rule), method=method, json={})
                assert response.status_code == 401, (method, rule, response.status_code)
                refused += 1
    assert refused >= 50


class Halls:
    """A draft and an open topic of 湖滨 with a resident's opinion; callers from outside 湖滨's scope."""

    def __init__(self, world, runtime, sign_in):
        uow, now = runtime.uow, runtime.clock.now()
        office = world.office("hubin")
        self.draft = topics.create_topic(uow(), actor_id=office.id, title=DRAFT_TITLE, background="背景",
                                         closes_at=now + timedelta(days=7))
        self.open = topics.create_topic(uow(), actor_id=office.id, title=OPEN_TITLE, background="背景",
                                        closes_at=now + timedelta(days=7))
        topics.open_topic(uow(), actor_id=office.id, topic_id=self.open.id)
        self.opinion = opinions.post_opinion(uow(), author_id=world.person("章小平").id, topic_id=self.open.id,
                                             text=OPINION_TEXT, attachment_ids=[], source="miniapp")
        self.outsiders = {"kaixuan-office": sign_in(world.office("kaixuan")), "deputy": sign_in(world.person("严民强")),
                          "unit": sign_in(world.unit_staff("湖滨街道公共管理办公室")),
                          "kaixuan-resident": sign_in(world.person("朱伟"))}
        self.kaixuan_unit = world.unit("凯旋街道公共管理办公室").id
        self.hubin_street = world.street("hubin").id


def hall_probes(h: Halls) -> list[tuple[str, str, str, object, set[str]]]:
    """(endpoint, method, path, body, who may get 2xx because the call is not about 湖滨's objects)."""
    d, o, op = h.draft.id, h.open.id, h.opinion.id
    later = "2027-12-31T12:00:00+08:00"
    reads_open = {"kaixuan-office", "deputy", "unit", "kaixuan-resident"}  # an open topic is public to the signed-in
    return [
        ("api_topics.list_topics", "GET", "/topics?state=draft", None, reads_open),
        ("api_topics.list_topics", "GET", f"/topics?street_id={h.hubin_street}", None, reads_open),
        ("api_topics.near_me", "GET", "/topics/near-me", None, reads_open),
        ("api_topics.get_topic", "GET", f"/topics/{d}", None, set()),
        ("api_topics.list_opinions", "GET", f"/topics/{d}/opinions", None, set()),
        ("api_topics.post_opinion", "POST", f"/topics/{d}/opinions", {"text": "我也来说两句"}, set()),
        ("api_topics.create_topic", "POST", "/topics", {"title": "越权议题", "background": "背景",
                                                        "street_id": h.hubin_street, "closes_at": later}, set()),
        ("api_topics.edit_topic", "PATCH", f"/topics/{d}", {"title": "改掉标题"}, set()),
        ("api_topics.open_topic", "POST", f"/topics/{d}/open", None, set()),
        ("api_topics.close_topic", "POST", f"/topics/{o}/close", {"note": "越权截止"}, set()),
        ("api_topics.extend_topic", "POST", f"/topics/{o}/extend", {"closes_at": later, "reason": "越权"}, set()),
        ("api_topics.conclude_topic", "POST", f"/topics/{o}/conclude", {"summary": "越权结论"}, set()),
        ("api_topics.figures", "GET", f"/topics/{o}/figures", None, set()),
        ("api_topics.figures", "GET", f"/topics/{d}/figures", None, set()),
        ("api_topics.poster", "GET", f"/topics/{o}/poster?format=png", None, set()),
        ("api_topics.qrcode", "GET", f"/topics/{o}/qrcode", None, set()),
        ("api_topics.qrcode", "GET", f"/topics/{d}/qrcode?format=svg", None, set()),
        ("api_topics.hide", "POST", f"/opinions/{op}/hide", {"reason": "越权隐藏"}, set()),
        ("api_topics.pin", "POST", f"/opinions/{op}/pin", {"pinned": True}, set()),
        ("api_topics.reply", "POST", f"/opinions/{op}/reply", {"text": "越权回复"}, set()),
        ("api_topics.make_case", "POST", f"/opinions/{op}/case", {"unit_id": h.kaixuan_unit}, set()),
    ]


@pytest.fixture
def halls(world, runtime, sign_in):
    return Halls(world, runtime, sign_in)


def test_no_hall_endpoint_lets_anyone_outside_the_street_see_or_change_its_topics(app, halls, runtime, client,
                                                                                   capsys):
    probes = hall_probes(halls)
    probed = {endpoint for endpoint, *_ in probes}
    unprobed = sorted(e for e, kind in ENDPOINTS.items() if kind == SCOPED and e.startswith("api_topics.")
                      and e not in probed)
    assert not unprobed, f"scoped hall endpoints without a probe: {unprobed}"
    attempts, leaks = Counter(), []
    for endpoint, method, path, body, may_succeed in probes:
        for who, caller in halls.outsiders.items():
            response = caller._call(method, path, json=body)
            text = response.get_data(as_text=True) if response.mimetype.startswith(("application/json", "text")) \
                else ""
            if who in may_succeed and response.status_code == 200:
                # Allowed to list, never to see what is not theirs: the draft stays invisible.
                if DRAFT_TITLE in text:
                    leaks.append(f"{who} {method} {path}: the draft's title")
                continue
            attempts[endpoint] += 1
            if response.status_code not in (403, 404):
                leaks.append(f"{who} {method} {path}: {response.status_code} {text[:120]}")
            elif any(marker in text for marker in MARKERS):
                leaks.append(f"{who} {method} {path}: the refusal names the object")
    # The public page of a draft is not found either.
    page = client.get(f"/halls/{halls.draft.id}")
    attempts["halls_web.topic_page"] += 1
    if page.status_code != 404 or DRAFT_TITLE in page.get_data(as_text=True):
        leaks.append(f"GET /halls/{halls.draft.id}: {page.status_code}")
    assert not leaks, "\n".join(leaks)
    # Nothing changed: the draft is a draft with its title, the open topic open, the opinion visible.
    office = halls_office_view(runtime, halls)
    assert office == ("draft", DRAFT_TITLE, "open", False, False)
    with capsys.disabled():
        print(f"\nhalls: {sum(attempts.values())} out-of-scope attempts over {len(attempts)} endpoints, 0 leaks")


def halls_office_view(runtime, halls):
    from server.halls.models import Opinion, Topic

    with runtime.uow().transaction() as session:
        draft, open_ = session.get(Topic, halls.draft.id), session.get(Topic, halls.open.id)
        opinion = session.get(Opinion, halls.opinion.id)
        return draft.state.value, draft.title, open_.state.value, opinion.hidden, opinion.pinned


def test_the_public_case_page_opens_only_with_its_own_signature_and_photos(world, runtime, client):
    photo_bytes = jpeg_bytes(color=(1, 2, 3))
    from server.files import uploads

    reporter = world.person("章小平")
    photo = uploads.upload_image(runtime.uow(), person_id=reporter.id, data=photo_bytes)
    mine = world.create_case(description="甲案的描述", attachment_ids=[photo.id])
    other = world.create_case(reporter="朱伟", description="乙案的描述")
    token_other = public_cases.public_token(runtime.settings, other.id)
    forged = f"{mine.id}-{'0' * 16}"
    assert client.get(f"/c/{forged}").status_code == 404
    assert client.get(f"/c/{token_other}/photos/{photo.id}").status_code == 404
    page = client.get(f"/c/{token_other}")
    assert page.status_code == 200 and "甲案的描述" not in page.get_data(as_text=True)
