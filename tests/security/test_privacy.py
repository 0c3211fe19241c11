"""Personal data: units read personal numbers masked unless the reporter consented, staff views of a
reporter's contact are recorded, a resident gets a copy of their data and can be forgotten, and closed
cases lose their personal fields after the retention period."""
from __future__ import annotations

from sqlalchemy import func, select

from server.cases import service as cases
from server.cases.models import Case
from server.jobs import privacy_retention_job
from server.people.models import ApiSession, Person
from server.privacy import queries as privacy_queries
from server.privacy.models import ErasureRequest
from server.privacy.texts import ERASED_NAME, ERASED_TEXT

PHONE, ID_CARD, PLATE = "13812345678", "330102199001011234", "浙A12345"
SECRET = f"楼下违停车辆{PLATE}堵住消防通道，车主电话{PHONE}，我的身份证{ID_CARD}"


def routed_case(world, runtime, *, consent: bool, reporter: str = "章小平"):
    case = cases.submit_case(runtime.uow(), reporter_id=world.person(reporter).id, description=SECRET,
                             contact_consent=consent)
    cases.add_case_info(runtime.uow(), actor_id=world.person(reporter).id, case_id=case.id,
                        text=f"补充：可打{PHONE}联系")
    cases.route_case(runtime.uow(), actor_id=world.office("hubin").id, case_id=case.id,
                     unit_id=world.unit("湖滨街道公共管理办公室").id)
    return case


def texts_of(body: dict) -> str:
    return " ".join([body["description"], *(event["note"] or "" for event in body["timeline"])])


def test_a_unit_reads_personal_numbers_masked_unless_the_reporter_consented(world, runtime, sign_in):
    unit = sign_in(world.unit_staff("湖滨街道公共管理办公室"))
    hidden = routed_case(world, runtime, consent=False)
    body = unit.get(f"/cases/{hidden.id}").get_json()
    shown = texts_of(body)
    assert PHONE not in shown and ID_CARD not in shown and PLATE not in shown, shown
    assert "138****5678" in shown and body["reporter"] is None
    listed = unit.get("/cases").get_json()["items"]
    assert all(PHONE not in item["description"] for item in listed)

    consented = routed_case(world, runtime, consent=True)
    body = unit.get(f"/cases/{consented.id}").get_json()
    assert PHONE in texts_of(body) and body["reporter"]["name"] == "章小平"
    # The deputy and the office always see what the resident wrote, as written.
    deputy = sign_in(world.person("严民强")).get(f"/cases/{hidden.id}").get_json()
    assert PHONE in texts_of(deputy) and ID_CARD in deputy["description"]


def test_every_staff_view_of_a_reporters_contact_is_recorded(world, runtime, sign_in):
    hidden = routed_case(world, runtime, consent=False)
    deputy, office = sign_in(world.person("严民强")), sign_in(world.office("hubin"))
    unit = sign_in(world.unit_staff("湖滨街道公共管理办公室"))
    reporter = sign_in(world.person("章小平"))
    assert deputy.get(f"/cases/{hidden.id}").status_code == 200
    assert office.get("/cases").status_code == 200
    assert unit.get(f"/cases/{hidden.id}").status_code == 200  # no consent: no contact shown, nothing recorded
    assert reporter.get(f"/cases/{hidden.id}").status_code == 200  # their own: nothing to record
    views = privacy_queries.list_contact_views(runtime.uow(), case_id=hidden.id)
    assert [(v["viewer_name"], v["channel"]) for v in views] == [("胡敏", "api.case_list"),
                                                                 ("严民强", "api.case_detail")]
    assert all(v["reporter_id"] == world.person("章小平").id for v in views)


def test_a_resident_downloads_their_data_and_it_is_never_cached(world, runtime, sign_in):
    case = routed_case(world, runtime, consent=False)
    me = sign_in(world.person("章小平"))
    sign_in(world.person("严民强")).get(f"/cases/{case.id}")
    response = me.get("/me/data")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    data = response.get_json()
    assert data["profile"]["name"] == "章小平"
    (mine,) = data["cases"]
    assert mine["tracking_number"] == case.tracking_number and mine["description"] == SECRET
    assert [step["action"] for step in mine["my_steps"]] == ["submit", "add_info"]
    assert [view["viewer_role"] for view in data["contact_views"]] == ["人大代表"]
    assert data["erasure"] is None
    # Someone else's data is nowhere in it.
    assert "朱伟" not in response.get_data(as_text=True)


def test_erasure_keeps_open_cases_contact_until_they_close_and_the_statistics_intact(world, runtime, sign_in):
    resident = world.person("章小平")
    closed = cases.submit_case(runtime.uow(), reporter_id=resident.id, description=SECRET)
    cases.reject_case(runtime.uow(), actor_id=world.office("hubin").id, case_id=closed.id, reason="不属于受理范围")
    still_open = routed_case(world, runtime, consent=True)
    total = case_count(runtime)
    me = sign_in(resident)

    answer = me._call("DELETE", "/me")
    assert answer.status_code == 202, answer.get_json()
    body = answer.get_json()
    assert body["waiting_cases"] == [still_open.tracking_number] and body["cases_anonymised"] == 1
    assert me.get("/me").status_code == 401  # signed out everywhere
    gone = world.reload(closed)
    assert gone.reporter_id is None and gone.description == ERASED_TEXT and gone.state.value == "rejected"
    timeline = sign_in(world.district()).get(f"/cases/{closed.id}").get_json()["timeline"]
    assert timeline[-1]["action"] == "anonymise" and PHONE not in str(timeline)
    # The unit handling the open case can still call back.
    unit = sign_in(world.unit_staff("湖滨街道公共管理办公室"))
    assert unit.get(f"/cases/{still_open.id}").get_json()["reporter"]["phone"] == resident.phone
    assert privacy_retention_job(runtime) == {"cases_anonymised": 0, "people_erased": 0}

    cases.resolve_case(runtime.uow(), actor_id=world.unit_staff("湖滨街道公共管理办公室").id, case_id=still_open.id,
                       feedback="已处理")
    cases.auto_close_case(runtime.uow(), case_id=still_open.id)
    assert privacy_retention_job(runtime) == {"cases_anonymised": 0, "people_erased": 1}
    with runtime.uow().transaction() as session:
        person = session.get(Person, resident.id)
        assert (person.name, person.phone, person.is_active) == (ERASED_NAME, None, False)
        request = session.scalar(select(ErasureRequest))
        assert request.completed_at is not None and request.cases_anonymised == 2
        assert session.scalar(select(func.count()).select_from(Case).where(Case.reporter_id == resident.id)) == 0
    assert case_count(runtime) == total  # every case still counts in the figures


def test_staff_cannot_erase_their_account_through_the_api(world, sign_in):
    office = sign_in(world.office("hubin"))
    assert office._call("DELETE", "/me").status_code == 403
    assert office.post("/me/erasure", json={}).status_code == 403


def test_closed_cases_lose_their_personal_fields_after_the_retention(world, runtime, clock):
    assert runtime.settings.retention_days == 365
    reporter = world.person("章小平")
    old = cases.submit_case(runtime.uow(), reporter_id=reporter.id, description=SECRET)
    cases.reject_case(runtime.uow(), actor_id=world.office("hubin").id, case_id=old.id, reason="重复反映")
    clock.advance(days=300)
    recent = cases.submit_case(runtime.uow(), reporter_id=reporter.id, description=SECRET)
    cases.reject_case(runtime.uow(), actor_id=world.office("hubin").id, case_id=recent.id, reason="重复反映")
    open_ = cases.submit_case(runtime.uow(), reporter_id=reporter.id, description="路灯坏了")
    clock.advance(days=66)  # the first closed 366 days ago, the second 66
    assert privacy_retention_job(runtime) == {"cases_anonymised": 1, "people_erased": 0}
    assert world.reload(old).reporter_id is None and world.reload(old).description == ERASED_TEXT
    assert world.reload(recent).reporter_id == reporter.id and world.reload(recent).description == SECRET
    assert world.reload(open_).reporter_id == reporter.id
    assert privacy_retention_job(runtime) == {"cases_anonymised": 0, "people_erased": 0}  # nothing twice


def case_count(runtime) -> int:
    with runtime.uow().transaction() as session:
        return session.scalar(select(func.count()).select_from(Case))


def test_a_resident_with_nothing_open_is_erased_at_once_and_signed_out(world, runtime, sign_in):
    person_id = world.person("沈建华").id
    me = sign_in(world.person("沈建华"))
    answer = me._call("DELETE", "/me")
    assert answer.status_code == 200 and answer.get_json()["completed_at"] is not None
    assert me.get("/me").status_code == 401
    with runtime.uow().transaction() as session:
        reasons = set(session.scalars(select(ApiSession.revoked_reason).where(ApiSession.person_id == person_id)))
        assert session.get(Person, person_id).name == ERASED_NAME
    assert reasons == {"erased"}
