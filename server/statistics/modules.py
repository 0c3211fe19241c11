"""Each module's own figures for the panoramic window: the window asks, the modules answer.

A feature package that has figures to show puts a `figures.py` beside its services with one function

    def module_figures(uow: UnitOfWork, period: Period, street_id: int | None) -> ModuleFigures

and the window finds it by that convention (`discover_modules`), so the window never imports a module
by name and a new module appears on it by adding the file.
"""
from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
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


FigureSource = Callable[..., ModuleFigures]


def discover_modules(package: str = "server") -> dict[str, FigureSource]:
    """Every `<package>.<feature>.figures.module_figures`, by feature name."""
    root = importlib.import_module(package)
    sources: dict[str, FigureSource] = {}
    for info in pkgutil.iter_modules(root.__path__):
        if not info.ispkg:
            continue
        try:
            module = importlib.import_module(f"{package}.{info.name}.figures")
        except ModuleNotFoundError as exc:
            if exc.name != f"{package}.{info.name}.figures":
                raise
            continue
        source = getattr(module, "module_figures", None)
        if callable(source):
            sources[info.name] = source
    return sources


def all_module_figures(uow, period: Period, street_id: int | None = None) -> list[ModuleFigures]:
    """Every module's figures for the period (and one street, when given), in the window's order."""
    answers = [source(uow, period, street_id) for source in discover_modules().values()]
    return sorted(answers, key=lambda answer: (answer.order, answer.key))
