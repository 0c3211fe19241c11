"""Deputy work's rules (pure Python): reception states and time slots, who may act, the duty score."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from server.core.errors import PermissionDeniedError, ValidationError
from server.people.rules import Actor, Role


class ReceptionState(StrEnum):
    scheduled = "scheduled"  # published, not yet held
    held = "held"  # the deputies on duty recorded it as held
    cancelled = "cancelled"


class BookingState(StrEnum):
    booked = "booked"
    cancelled = "cancelled"


class EntryKind(StrEnum):
    meeting = "meeting"
    training = "training"
    visit = "visit"
    other = "other"


RECEPTION_STATE_LABELS = {ReceptionState.scheduled: "待接待", ReceptionState.held: "已接待",
                          ReceptionState.cancelled: "已取消"}
ENTRY_KIND_LABELS = {EntryKind.meeting: "参加会议", EntryKind.training: "学习培训", EntryKind.visit: "走访调研",
                     EntryKind.other: "其他履职"}

MIN_SLOT_MINUTES, MAX_SLOT_MINUTES = 10, 240
MAX_RECEPTION_HOURS = 12
MAX_SLOT_CAPACITY = 50
BOOKING_CLOSES_BEFORE = timedelta(hours=1)  # a slot can be booked until an hour before the day starts


@dataclass(frozen=True)
class ReceptionWindow:
    starts_at: datetime
    ends_at: datetime
    slot_minutes: int
    slot_capacity: int


def check_window(window: ReceptionWindow, now: datetime) -> None:
    """A reception day lies in the future, lasts at most a working day and divides into whole slots."""
    if window.ends_at <= window.starts_at:
        raise ValidationError("结束时间须晚于开始时间", details={"field": "ends_at"})
    if window.starts_at <= now:
        raise ValidationError("接待时间须晚于现在", details={"field": "starts_at"})
    if window.ends_at - window.starts_at > timedelta(hours=MAX_RECEPTION_HOURS):
        raise ValidationError(f"一次接待不能超过 {MAX_RECEPTION_HOURS} 小时", details={"field": "ends_at"})
    if not MIN_SLOT_MINUTES <= window.slot_minutes <= MAX_SLOT_MINUTES:
        raise ValidationError(f"每个时段须为 {MIN_SLOT_MINUTES} 到 {MAX_SLOT_MINUTES} 分钟",
                              details={"field": "slot_minutes"})
    if not 1 <= window.slot_capacity <= MAX_SLOT_CAPACITY:
        raise ValidationError(f"每个时段可预约 1 到 {MAX_SLOT_CAPACITY} 人", details={"field": "slot_capacity"})


def slots(window: ReceptionWindow) -> list[datetime]:
    """The start of every whole slot between the start and the end."""
    step = timedelta(minutes=window.slot_minutes)
    found, moment = [], window.starts_at
    while moment + step <= window.ends_at:
        found.append(moment)
        moment += step
    return found or [window.starts_at]


def check_booking(window: ReceptionWindow, state: ReceptionState, slot_at: datetime | None, taken: int,
                  now: datetime) -> None:
    """A resident may book a free slot (or only leave a question) while the day is still ahead."""
    if state != ReceptionState.scheduled:
        raise ValidationError("该接待日已结束或已取消，不能预约")
    if now >= window.starts_at - BOOKING_CLOSES_BEFORE:
        raise ValidationError("接待开始前 1 小时起不再接受预约，可直接前往联络站")
    if slot_at is None:
        return
    if slot_at not in slots(window):
        raise ValidationError("所选时段不在本次接待时间内", details={"field": "slot_at"})
    if taken >= window.slot_capacity:
        raise ValidationError("该时段已约满，请选择其他时段", details={"field": "slot_at"})


def may_schedule(actor: Actor, street_id: int) -> None:
    """Stations and reception days belong to a street: its office (or the district) arranges them."""
    if actor.role == Role.district_committee:
        return
    if actor.role != Role.street_office:
        raise PermissionDeniedError("只有街道人大工委可以安排联络站和接待日")
    if actor.street_id != street_id:
        raise PermissionDeniedError("只能安排本街道的联络站和接待日")


def sees_street(actor: Actor, street_id: int) -> bool:
    """Staff see their own street's stations and reception days; the district sees all."""
    if actor.role in (Role.district_committee, Role.system):
        return True
    return actor.street_id == street_id


def may_record(actor: Actor, street_id: int, on_duty: bool) -> None:
    """A deputy on duty that day records visits and matters; the street office may record for them."""
    if actor.role == Role.deputy and on_duty:
        return
    if actor.role == Role.street_office and actor.street_id == street_id:
        return
    raise PermissionDeniedError("只有当天值班的代表或本街道人大工委可以记录接待情况")


# The duty score (履职积分): each figure of the year times its weight, added up. The weights are
# stored in the database (the district edits them); these are the published defaults.
SCORE_ITEMS: dict[str, str] = {
    "cases_accepted": "接收群众反映",
    "cases_accepted_fast": "12小时内接收",
    "cases_satisfied": "办结获满意评价",
    "receptions_held": "进站接待",
    "residents_received": "接待群众",
    "matters_raised": "收集群众诉求",
    "cases_from_matters": "诉求转为民情件",
    "opinions_answered": "答复议事意见",
    "entries": "自主履职记录",
}
DEFAULT_WEIGHTS: dict[str, float] = {
    "cases_accepted": 2, "cases_accepted_fast": 1, "cases_satisfied": 1, "receptions_held": 5,
    "residents_received": 1, "matters_raised": 1, "cases_from_matters": 2, "opinions_answered": 1, "entries": 2,
}
MAX_WEIGHT = 100.0


def check_weights(weights: Mapping[str, float], known: set[str]) -> dict[str, float]:
    """Weights for known figures only, each a number from 0 to 100 with at most one decimal."""
    clean: dict[str, float] = {}
    for key, value in weights.items():
        if key not in known:
            raise ValidationError(f"未知的积分项目：{key}", details={"field": key})
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValidationError("权重须为数字", details={"field": key}) from None
        if not 0 <= number <= MAX_WEIGHT or number != number:
            raise ValidationError(f"权重须在 0 到 {MAX_WEIGHT:g} 之间", details={"field": key})
        clean[key] = round(number, 1)
    return clean


def score(counts: Mapping[str, int], weights: Mapping[str, float]) -> float:
    """Σ weight × count over the weighted figures; a figure without a weight counts nothing."""
    return round(sum(weights.get(key, 0) * count for key, count in counts.items()), 1)


def formula_text(weights: Mapping[str, float], labels: Mapping[str, str]) -> str:
    """The published formula, e.g. "履职积分 = 接收群众反映 × 2 + 进站接待 × 5 + …"."""
    terms = [f"{labels.get(key, key)} × {weight:g}" for key, weight in weights.items() if weight]
    return "履职积分 = " + (" + ".join(terms) if terms else "0")


def rank(scores: list[tuple[int, float]]) -> list[tuple[int, int, float]]:
    """(person_id, score) → (rank, person_id, score), highest first; equal scores share a rank."""
    ordered = sorted(scores, key=lambda item: (-item[1], item[0]))
    ranked, previous, position = [], None, 0
    for index, (person_id, value) in enumerate(ordered, start=1):
        if value != previous:
            position, previous = index, value
        ranked.append((position, person_id, value))
    return ranked
