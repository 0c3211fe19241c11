"""A unit of work: one session, one transaction, committed once by the outermost service call."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session, sessionmaker

from server.core.clock import Clock, SystemClock

if TYPE_CHECKING:
    from server.core.settings import Settings
    from server.core.storage import FileStorage


class UnitOfWork:
    """Services take one of these; nested service calls join the outer transaction.

    Side effects that leave the process (WeChat pushes) are written to the outbox inside the
    transaction, so they happen if and only if the change commits.
    """

    def __init__(self, session_factory: sessionmaker, clock: Clock | None = None,
                 storage: FileStorage | None = None, settings: Settings | None = None) -> None:
        self.session_factory = session_factory
        self.clock = clock or SystemClock()
        self.storage = storage
        self.settings = settings
        self._session: Session | None = None
        self._depth = 0

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("no transaction is open; use `with uow.transaction()`")
        return self._session

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        if self._session is not None:
            self._depth += 1
            try:
                yield self._session
            finally:
                self._depth -= 1
            return
        session = self.session_factory()
        self._session = session
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
            self._session = None
