"""The vocabulary modules answer the panoramic window in (`server.statistics.modules` explains the convention)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from server.core.clock import LOCAL_ZONE


@dataclass(frozen=True)
class Period:
    """Days in Asia/Shanghai, `first` to `last` inclusive."""

    first: date
    last: date

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError("a period ends on or after its first day")

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.first, time.min, LOCAL_ZONE)

    @property
    def ends_before(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time.min, LOCAL_ZONE)


@dataclass(frozen=True)
class Figure:
    key: str     # stable English identifier, e.g. "tasks_issued"
    label: str   # what a person reads, e.g. "交办任务"
    value: int | float | None
    unit: str = ""  # "件", "%", "人" …


@dataclass(frozen=True)
class ModuleFigures:
    key: str     # the feature package, e.g. "linkage"
    title: str   # the module's name, e.g. "区街联动"
    order: int   # place on the window (民情民意 10, 区街联动 20, 监督工作 30, 居民议事 40, 代表工作 50)
    figures: list[Figure] = field(default_factory=list)
