"""Reception days at the service layer: scheduling and its pushes, bookings, visits, matters that become
cases the deputy receives, scope checks, the reminder job, the duty record, score and ranking."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from server.cases.models import Case, CaseEvent
from server.cases.states import CaseAction, CaseState, Source
from server.core.errors import NotFoundError, PermissionDeniedError, ValidationError
from server.deputies import receptions, record, service
from server.deputies.jobs import remind_receptions
from server.deputies.models import (
    DeputyEvent,
    ReceptionBooking,
    ReceptionDay,
    ReceptionMatter,
    ReceptionVisit,
)
from server.people.rules import Role
from server.pushes.models import OutboxMessage
from server.pushes.states import OutboxKind
from tests.concurrency import raised, run_together
from tests.deputies.conftest import local

pytestmark = pytest.mark.both_databases("row locks serialise bookings; grouped counts and interval maths are SQL")


def pushes(runtime, kind):
    with runtime.uow().transaction() as session:
        return sorted(session.scalars(select(OutboxMessage.recipient_id).where(OutboxMessage.kind == kind)))


def events(runtime, subject, subject_id):
    with runtime.uow().transaction() as session:
        return [e.action for e in session.scalars(select(DeputyEvent).where(
            DeputyEvent.subject == subject, DeputyEvent.subject_id == subject_id).order_by(DeputyEvent.id))]


def count(runtime, model):
    with runtime.uow().transaction() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_a_scheduled_day_is_pushed_to_opted_in_residents_and_the_deputies_on_duty(hubin, world, runtime):
    subscribed = world.person("沈建华")
    service.subscribe_receptions(runtime.uow(), person_id=subscribed.id)
    service.subscribe_receptions(runtime.uow(), person_id=subscribed.id)  # a repeat changes nothing
    service.subscribe_receptions(runtime.uow(), person_id=world.person("朱伟").id)  # 凯旋: another street
    reception = hubin.schedule(topic="老旧小区加装电梯")
    assert pushes(runtime, OutboxKind.reception_published) == [subscribed.id]
    assert pushes(runtime, OutboxKind.reception_duty) == sorted(d.id for d in hubin.deputies)
    assert events(runtime, "reception", reception.id) == ["reception_scheduled"]
    assert events(runtime, "station", hubin.station.id) == ["station_created"]


def test_another_streets_office_neither_sees_nor_schedules_at_the_station(hubin, world, runtime):
    with pytest.raises(NotFoundError):
        receptions.schedule_reception(runtime.uow(), actor_id=world.office("kaixuan").id,
                                      station_id=hubin.station.id, starts_at=local(29, 9), ends_at=local(29, 11),
                                      deputy_ids=[hubin.deputies[0].id])
    with pytest.raises(PermissionDeniedError):
        receptions.schedule_reception(runtime.uow(), actor_id=hubin.deputies[0].id, station_id=hubin.station.id,
                                      starts_at=local(29, 9), ends_at=local(29, 11), deputy_ids=[hubin.deputies[0].id])
    assert count(runtime, ReceptionDay) == 0


@pytest.mark.parametrize("change, message", [
    ({"deputy_ids": []}, "请至少安排一名值班代表"),
    ({"deputy_ids": "kaixuan"}, "值班代表须为本街道的人大代表"),
    ({"starts_at": local(27, 9)}, "接待时间须晚于现在"),
    ({"hours": 0}, "结束时间须晚于开始时间"),
    ({"hours": 13}, "一次接待不能超过 12 小时"),
    ({"slot_minutes": 5}, "每个时段须为"),
    ({"slot_capacity": 0}, "每个时段可预约"),
])
def test_bad_schedules_are_refused_and_change_nothing(hubin, world, runtime, change, message):
    if change.get("deputy_ids") == "kaixuan":
        change = {"deputy_ids": [world.person("陈海燕").id]}
    with pytest.raises(ValidationError) as error:
        hubin.schedule(**change)
    assert message in error.value.message
    assert count(runtime, ReceptionDay) == 0 and count(runtime, OutboxMessage) == 0


def test_bookings_respect_slot_capacity_and_a_retry_books_once(hubin, world, runtime):
    reception = hubin.schedule(slot_capacity=1)
    first_slot = local(29, 9)
    booking = receptions.book_reception(runtime.uow(), person_id=hubin.resident.id, reception_id=reception.id,
                                        slot_at=first_slot, question="想问问加装电梯的补贴政策")
    again = receptions.book_reception(runtime.uow(), person_id=hubin.resident.id, reception_id=reception.id,
                                      slot_at=first_slot, question="想问问加装电梯的补贴政策")
    assert again.id == booking.id and count(runtime, ReceptionBooking) == 1
    with pytest.raises(ValidationError, match="已约满"):
        receptions.book_reception(runtime.uow(), person_id=world.person("马丽").id, reception_id=reception.id,
                                  slot_at=first_slot)
    with pytest.raises(ValidationError, match="不在本次接待时间内"):
        receptions.book_reception(runtime.uow(), person_id=world.person("马丽").id, reception_id=reception.id,
                                  slot_at=first_slot + timedelta(minutes=10))
    question_only = receptions.book_reception(runtime.uow(), person_id=world.person("马丽").id,
                                              reception_id=reception.id, question="小区停车难")
    assert question_only.slot_at is None
    with pytest.raises(PermissionDeniedError):
        receptions.book_reception(runtime.uow(), person_id=hubin.deputies[0].id, reception_id=reception.id,
                                  question="代表不能预约")
    receptions.cancel_booking(runtime.uow(), person_id=hubin.resident.id, reception_id=reception.id)
    receptions.book_reception(runtime.uow(), person_id=world.person("马丽").id, reception_id=reception.id,
                              slot_at=first_slot)  # the freed slot
    assert events(runtime, "reception", reception.id) == [
        "reception_scheduled", "booking_made", "booking_made", "booking_cancelled", "booking_changed"]


def test_booking_closes_an_hour_before_the_day(hubin, runtime, clock):
    reception = hubin.schedule()
    clock.set(local(29, 8, 1))
    with pytest.raises(ValidationError, match="1 小时"):
        receptions.book_reception(runtime.uow(), person_id=hubin.resident.id, reception_id=reception.id,
                                  question="还能预约吗")


def test_a_matter_raised_becomes_a_case_the_deputy_has_received(hubin, world, runtime, clock):
    reception = hubin.schedule()
    booking = receptions.book_reception(runtime.uow(), person_id=hubin.resident.id, reception_id=reception.id,
                                        slot_at=local(29, 9, 30))
    yan = hubin.deputies[0]
    with pytest.raises(ValidationError, match="尚未开始"):
        receptions.record_visit(runtime.uow(), actor_id=yan.id, reception_id=reception.id, booking_id=booking.id)
    clock.set(local(29, 9, 20))
    visit = receptions.record_visit(runtime.uow(), actor_id=yan.id, reception_id=reception.id, booking_id=booking.id,
                                    matters=["东坡路人行道井盖破损，老人容易绊倒"])
    assert receptions.record_visit(runtime.uow(), actor_id=yan.id, reception_id=reception.id,
                                   booking_id=booking.id).id == visit.id  # recorded once
    walk_in = receptions.record_visit(runtime.uow(), actor_id=yan.id, reception_id=reception.id,
                                      visitor_name="吴阿姨", phone="13900001111",
                                      community_id=world.community("东坡路社区").id)
    matter = receptions.raise_matter(runtime.uow(), actor_id=yan.id, visit_id=walk_in.id, text="楼道路灯不亮")
    outsider = world.person("陈海燕")  # a 凯旋 deputy
    with pytest.raises(NotFoundError):
        receptions.raise_case_from_matter(runtime.uow(), actor_id=outsider.id, matter_id=matter.id)
    submitted_before = len(pushes(runtime, OutboxKind.case_submitted))
    case = receptions.raise_case_from_matter(runtime.uow(), actor_id=yan.id, matter_id=matter.id)
    assert receptions.raise_case_from_matter(runtime.uow(), actor_id=yan.id, matter_id=matter.id).id == case.id
    with runtime.uow().transaction() as session:
        stored = session.get(Case, case.id)
        steps = [e.action for e in session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)
                                                   .order_by(CaseEvent.sequence))]
        reporter = stored.reporter_id
        visit_person = session.get(ReceptionVisit, walk_in.id).person_id
    assert stored.state == CaseState.accepted and stored.accepted_by_id == yan.id
    assert stored.source == Source.reception and stored.description == "楼道路灯不亮"
    assert steps == [CaseAction.submit, CaseAction.accept] and reporter == visit_person
    assert len(pushes(runtime, OutboxKind.case_submitted)) == submitted_before  # nobody asked to accept it
    assert pushes(runtime, OutboxKind.case_accepted) == [hubin.office.id]
    receptions.close_reception(runtime.uow(), actor_id=yan.id, reception_id=reception.id, summary="接待群众2人")
    assert events(runtime, "reception", reception.id)[-4:] == [
        "visit_recorded", "matter_raised", "matter_to_case", "reception_held"]

    year = record.duty_record(runtime.uow(), actor_id=yan.id, deputy_id=yan.id, year=2026)
    figures = {f["key"]: f["value"] for f in year["figures"]}
    assert figures | {"opinions_answered": 0} == {
        "cases_accepted": 1, "cases_accepted_fast": 1, "cases_satisfied": 0, "receptions_held": 1,
        "residents_received": 2, "matters_raised": 2, "cases_from_matters": 1, "opinions_answered": 0, "entries": 0}
    assert year["score"] == 2 + 1 + 5 + 2 + 2 + 2  # the published default weights
    assert year["receptions"][0]["visits"] == 2
    colleague = record.duty_record(runtime.uow(), actor_id=hubin.office.id, deputy_id=hubin.deputies[1].id, year=2026)
    assert {f["key"]: f["value"] for f in colleague["figures"]}["residents_received"] == 2
    with pytest.raises(PermissionDeniedError):
        record.duty_record(runtime.uow(), actor_id=hubin.deputies[1].id, deputy_id=yan.id, year=2026)
    with pytest.raises(NotFoundError):
        record.duty_record(runtime.uow(), actor_id=world.office("kaixuan").id, deputy_id=yan.id, year=2026)


def test_cancelling_tells_the_bookers_and_the_deputies_once(hubin, runtime):
    reception = hubin.schedule()
    receptions.book_reception(runtime.uow(), person_id=hubin.resident.id, reception_id=reception.id,
                              question="问题")
    receptions.cancel_reception(runtime.uow(), actor_id=hubin.office.id, reception_id=reception.id,
                                reason="代表参加区人代会")
    with pytest.raises(ValidationError):
        receptions.cancel_reception(runtime.uow(), actor_id=hubin.office.id, reception_id=reception.id, reason="再取消")
    assert pushes(runtime, OutboxKind.reception_cancelled) == sorted([hubin.resident.id, *(d.id for d in hubin.deputies)])


def test_the_reminder_goes_out_once_a_day_before(hubin, runtime, clock):
    reception = hubin.schedule(starts_at=local(30, 14))
    receptions.book_reception(runtime.uow(), person_id=hubin.resident.id, reception_id=reception.id,
                              slot_at=local(30, 14, 30))
    assert remind_receptions(runtime.uow()) == {"reminded": 0, "pushes": 0}
    clock.set(local(29, 14, 5))
    assert remind_receptions(runtime.uow()) == {"reminded": 1, "pushes": 3}
    assert remind_receptions(runtime.uow()) == {"reminded": 0, "pushes": 0}
    with runtime.uow().transaction() as session:
        texts = {row.recipient_id: row.payload["who"] for row in session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == OutboxKind.reception_reminder))}
    assert texts[hubin.resident.id] == "您预约的时段是 14:30"


def test_weights_are_the_districts_and_move_the_ranking(hubin, world, runtime, clock):
    yan, zhou = hubin.deputies
    service.add_duty_entry(runtime.uow(), actor_id=zhou.id, kind="meeting", title="参加区人大常委会会议",
                           happened_on=local(20, 9).date())
    ranking = record.deputy_ranking(runtime.uow(), actor_id=hubin.office.id, year=2026)
    assert [row["name"] for row in ranking["items"]] == ["周立群", "严民强"]
    assert {row["street_name"] for row in ranking["items"]} == {"湖滨街道"}
    with pytest.raises(PermissionDeniedError):
        service.set_duty_weights(runtime.uow(), actor_id=hubin.office.id, weights={"entries": 0})
    with pytest.raises(ValidationError):
        service.set_duty_weights(runtime.uow(), actor_id=world.district().id, weights={"entries": -1})
    with pytest.raises(ValidationError):
        service.set_duty_weights(runtime.uow(), actor_id=world.district().id, weights={"bribes": 1})
    service.set_duty_weights(runtime.uow(), actor_id=world.district().id, weights={"entries": 0})
    assert "自主履职记录" not in record.weights_and_formula(runtime.uow())["formula"]
    everyone = record.deputy_ranking(runtime.uow(), actor_id=world.district().id, year=2026)
    assert len(everyone["items"]) == 9 and all(row["score"] == 0 for row in everyone["items"])
    with pytest.raises(PermissionDeniedError):
        record.deputy_ranking(runtime.uow(), actor_id=yan.id, year=2026)
    assert events(runtime, "weights", 0) == ["weights_updated"]


def test_a_deputy_sets_their_introduction_but_not_their_station(hubin, world, runtime):
    yan = hubin.deputies[0]
    profile = service.update_deputy_profile(runtime.uow(), actor_id=yan.id, deputy_id=yan.id,
                                            introduction="长期关注老旧小区改造")
    assert profile.introduction == "长期关注老旧小区改造"
    with pytest.raises(PermissionDeniedError):
        service.update_deputy_profile(runtime.uow(), actor_id=yan.id, deputy_id=yan.id, station_id=None)
    with pytest.raises(ValidationError):
        service.update_deputy_profile(runtime.uow(), actor_id=hubin.office.id, deputy_id=yan.id,
                                      community_ids=[world.community("景芳社区").id])
    assert world.person("严民强").role == Role.deputy


def test_residents_racing_for_the_last_places_of_a_slot_never_overbook(hubin, world, runtime):
    """Six residents book the same two-place slot at the same instant: two get it, four are told it is full;
    and the deputy turning one matter into a case twice at once makes one case."""
    reception = hubin.schedule(slot_capacity=2)
    people = [world.create_person(f"居民{index}", Role.resident, "hubin") for index in range(6)]
    slot = local(29, 9, 30)
    results = run_together([
        (lambda person=person: receptions.book_reception(runtime.uow(), person_id=person.id,
                                                         reception_id=reception.id, slot_at=slot))
        for person in people])
    failures = raised(results)
    assert len(failures) == 4 and all("已约满" in failure.message for failure in failures)
    with runtime.uow().transaction() as session:
        assert session.scalar(select(func.count()).select_from(ReceptionBooking)
                              .where(ReceptionBooking.slot_at == slot)) == 2


def test_two_clicks_on_to_case_make_one_case(hubin, runtime, clock):
    reception = hubin.schedule()
    clock.set(local(29, 9, 10))
    yan = hubin.deputies[0]
    visit = receptions.record_visit(runtime.uow(), actor_id=yan.id, reception_id=reception.id,
                                    visitor_name="吴阿姨", matters=["楼道路灯不亮"])
    with runtime.uow().transaction() as session:
        matter_id = session.scalar(select(ReceptionMatter.id).where(ReceptionMatter.visit_id == visit.id))
    results = run_together([lambda: receptions.raise_case_from_matter(runtime.uow(), actor_id=yan.id,
                                                                      matter_id=matter_id)] * 2)
    assert raised(results) == [] and results[0].id == results[1].id
    assert count(runtime, Case) == 1
