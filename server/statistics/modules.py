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

# The types live in server.core so that a module the window also reads (cases, halls) can answer
# without importing the window back; they are re-exported here, where module authors look.
from server.core.figures import Figure, ModuleFigures, Period

__all__ = ["Figure", "ModuleFigures", "Period", "all_module_figures", "discover_modules"]


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
