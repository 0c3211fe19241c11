"""Wiring: build the engine, storage and clock once per process and hand out units of work."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from server.adapters.clock import Clock, SystemClock
from server.adapters.storage import FileStorage
from server.config import Settings
from server.db import make_engine, make_session_factory
from server.services.uow import UnitOfWork


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker
    clock: Clock
    storage: FileStorage
    extras: dict[str, Any] = field(default_factory=dict)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory, clock=self.clock, storage=self.storage, settings=self.settings)

    def dispose(self) -> None:
        self.engine.dispose()


def build_runtime(settings: Settings, *, clock: Clock | None = None, engine: Engine | None = None) -> Runtime:
    engine = engine or make_engine(settings.sqlalchemy_url)
    return Runtime(settings=settings, engine=engine, session_factory=make_session_factory(engine),
                   clock=clock or SystemClock(), storage=FileStorage(settings.instance_dir / "attachments"))
