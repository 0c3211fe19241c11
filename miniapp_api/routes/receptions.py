"""Reception days (接待日): scheduled by the street office, booked by residents, recorded by the deputies
on duty; matters raised become cases. Each view calls one service of server.deputies."""
from __future__ import annotations

from miniapp_api.auth import OFFICES, RESIDENTS, current_person_id, roles
from miniapp_api.blueprint import MinyiBlueprint
from miniapp_api.errors import errors
from miniapp_api.schemas.deputies import (
    BookingIn,
    BookingOut,
    CancelIn,
    CloseIn,
    MatterCaseIn,
    MatterIn,
    MatterOut,
    MatterPath,
    ReceptionCaseRef,
    ReceptionDetail,
    ReceptionListQuery,
    ReceptionPage,
    ReceptionPath,
    ReceptionSubscriptionOut,
    ScheduleIn,
    VisitIn,
    VisitOut,
    VisitPath,
)
from miniapp_api.views import answer
from server.deputies import queries, receptions, service
from server.people.rules import Role
from server.web.runtime import current_runtime

bp = MinyiBlueprint("api_receptions", __name__, tag="receptions")
RECORDERS = (Role.deputy, Role.street_office)
ACTION_ERRORS = {**errors(403, 404)}


def detail(reception_id: int, status: int = 200):
    data = queries.get_reception(current_runtime().uow(), actor_id=current_person_id(), reception_id=reception_id)
    return answer(ReceptionDetail, data, status)


def _visit(reception_id: int, visit_id: int, status: int = 200):
    data = queries.get_reception(current_runtime().uow(), actor_id=current_person_id(), reception_id=reception_id)
    return answer(VisitOut, next(v for v in data["visits"] if v["id"] == visit_id), status)


@bp.get("/receptions", summary="接待日（居民：待接待的；代表和街道：本街道；区：全部）", responses={200: ReceptionPage})
def list_receptions(query: ReceptionListQuery):
    data = queries.list_receptions(current_runtime().uow(), actor_id=current_person_id(),
                                   state=query.state.value if query.state else None, mine=query.mine,
                                   upcoming=query.upcoming, limit=query.limit, offset=query.offset)
    return answer(ReceptionPage, data)


@bp.get("/receptions/<int:reception_id>", summary="接待日详情（时段余量、我的预约；工作人员另见预约、来访、诉求、时间线）",
        responses={200: ReceptionDetail, **errors(404)})
def get_reception(path: ReceptionPath):
    return detail(path.reception_id)


@bp.post("/receptions", summary="安排接待日（街道人大工委）：时间、联络站、值班代表；通知订阅的居民",
         responses={201: ReceptionDetail, **ACTION_ERRORS})
@roles(OFFICES)
def schedule(body: ScheduleIn):
    # Attributes, not model_dump(): a Timestamp dumps as text, the service takes the datetime.
    reception = receptions.schedule_reception(current_runtime().uow(), actor_id=current_person_id(),
                                              **{name: getattr(body, name) for name in ScheduleIn.model_fields})
    return detail(reception.id, 201)


@bp.post("/receptions/<int:reception_id>/cancel", summary="取消接待日（通知已预约的居民和值班代表）",
         responses={200: ReceptionDetail, **ACTION_ERRORS})
@roles(OFFICES)
def cancel(path: ReceptionPath, body: CancelIn):
    receptions.cancel_reception(current_runtime().uow(), actor_id=current_person_id(),
                                reception_id=path.reception_id, reason=body.reason)
    return detail(path.reception_id)


@bp.put("/receptions/<int:reception_id>/booking", summary="预约时段或提前留言（再次提交即修改）",
        responses={200: BookingOut, **ACTION_ERRORS})
@roles(RESIDENTS)
def book(path: ReceptionPath, body: BookingIn):
    booking = receptions.book_reception(current_runtime().uow(), person_id=current_person_id(),
                                        reception_id=path.reception_id, slot_at=body.slot_at, question=body.question)
    return answer(BookingOut, {"id": booking.id, "slot_at": booking.slot_at, "question": booking.question})


@bp.delete("/receptions/<int:reception_id>/booking", summary="取消我的预约", responses={200: BookingOut, **ACTION_ERRORS})
@roles(RESIDENTS)
def unbook(path: ReceptionPath):
    booking = receptions.cancel_booking(current_runtime().uow(), person_id=current_person_id(),
                                        reception_id=path.reception_id)
    return answer(BookingOut, {"id": booking.id, "slot_at": booking.slot_at, "question": booking.question})


@bp.post("/receptions/<int:reception_id>/visits", summary="登记来访群众（按预约或现场登记）及其诉求",
         responses={201: VisitOut, **ACTION_ERRORS})
@roles(RECORDERS)
def record_visit(path: ReceptionPath, body: VisitIn):
    visit = receptions.record_visit(current_runtime().uow(), actor_id=current_person_id(),
                                    reception_id=path.reception_id, **body.model_dump())
    return _visit(path.reception_id, visit.id, 201)


@bp.post("/receptions/visits/<int:visit_id>/matters", summary="为来访群众补记一条诉求",
         responses={201: MatterOut, **ACTION_ERRORS})
@roles(RECORDERS)
def raise_matter(path: VisitPath, body: MatterIn):
    matter = receptions.raise_matter(current_runtime().uow(), actor_id=current_person_id(), visit_id=path.visit_id,
                                     text=body.text, deputy_id=body.deputy_id)
    return answer(MatterOut, {"id": matter.id, "text": matter.text, "deputy_id": matter.deputy_id,
                              "case_id": None, "tracking_number": None}, 201)


@bp.post("/receptions/matters/<int:matter_id>/case", summary="诉求转为民情件（由听取诉求的代表接收，进入72小时闭环）",
         responses={201: ReceptionCaseRef, **ACTION_ERRORS})
@roles(RECORDERS)
def matter_to_case(path: MatterPath, body: MatterCaseIn):
    case = receptions.raise_case_from_matter(current_runtime().uow(), actor_id=current_person_id(),
                                             matter_id=path.matter_id, category_id=body.category_id,
                                             contact_consent=body.contact_consent)
    return answer(ReceptionCaseRef, {"case_id": case.id, "tracking_number": case.tracking_number}, 201)


@bp.post("/receptions/<int:reception_id>/close", summary="标记接待完成，可写接待小结",
         responses={200: ReceptionDetail, **ACTION_ERRORS})
@roles(RECORDERS)
def close(path: ReceptionPath, body: CloseIn):
    receptions.close_reception(current_runtime().uow(), actor_id=current_person_id(), reception_id=path.reception_id,
                               summary=body.summary)
    return detail(path.reception_id)


@bp.put("/receptions/subscription", summary="订阅本街道的接待日通知", responses={200: ReceptionSubscriptionOut, **errors(403)})
@roles(RESIDENTS)
def subscribe():
    street = service.subscribe_receptions(current_runtime().uow(), person_id=current_person_id())
    return answer(ReceptionSubscriptionOut, {"subscribed": True, "street": {"id": street.id, "name": street.name}})


@bp.delete("/receptions/subscription", summary="取消接待日通知", responses={200: ReceptionSubscriptionOut, **errors(403)})
@roles(RESIDENTS)
def unsubscribe():
    service.unsubscribe_receptions(current_runtime().uow(), person_id=current_person_id())
    return answer(ReceptionSubscriptionOut, {"subscribed": False, "street": None})
