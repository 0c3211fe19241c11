"""Wiring: build the engine, storage and clock once per process and hand out units of work."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from server.core.clock import Clock, SystemClock
from server.core.db import make_engine, make_session_factory
from server.core.settings import Settings
from server.core.storage import FileStorage
from server.core.uow import UnitOfWork

if TYPE_CHECKING:
    from redis import Redis

    from server.wechat import WeChatGateway


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker
    clock: Clock
    storage: FileStorage
    extras: dict[str, Any] = field(default_factory=dict)
    _lazy_lock: ClassVar[threading.Lock] = threading.Lock()

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory, clock=self.clock, storage=self.storage, settings=self.settings)

    @property
    def redis(self) -> Redis | None:
        """One Redis client per runtime when REDIS_URL is set (it pools its own connections), else None."""
        if not self.settings.redis_url:
            return None
        with self._lazy_lock:
            if "redis" not in self.extras:
                from redis import Redis

                self.extras["redis"] = Redis.from_url(self.settings.redis_url, socket_timeout=3,
                                                      socket_connect_timeout=3)
            return self.extras["redis"]

    @property
    def wechat(self) -> WeChatGateway:
        """The WeChat gateway, built on first use (tests and CLI commands that never push pay nothing)."""
        redis = self.redis
        with self._lazy_lock:
            if "wechat" not in self.extras:
                from server.wechat import build_gateway

                self.extras["wechat"] = build_gateway(self.settings, redis=redis)
            return self.extras["wechat"]

    def dispose(self) -> None:
        self.engine.dispose()
        if "redis" in self.extras:
            self.extras["redis"].close()


def build_runtime(settings: Settings, *, clock: Clock | None = None, engine: Engine | None = None) -> Runtime:
    engine = engine or make_engine(settings.sqlalchemy_url)
    return Runtime(settings=settings, engine=engine, session_factory=make_session_factory(engine),
                   clock=clock or SystemClock(), storage=FileStorage(settings.instance_dir / "attachments"))
