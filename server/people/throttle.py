"""Failed sign-ins, counted per account and per address in the database (shared by every process)."""
from __future__ import annotations

import math
from datetime import datetime

from sqlalchemy import delete, select, update

from server.core.db import insert_for
from server.core.errors import DomainError
from server.core.uow import UnitOfWork
from server.people.models import LoginThrottle
from server.people.throttle_rules import FORGET_AFTER, lock_after, wait_after


class TooManyAttemptsError(DomainError):
    code = "too_many_attempts"
    http_status = 429

    @property
    def retry_after(self) -> int:
        return int(self.details.get("retry_after_seconds", 1))


def check_not_blocked(uow: UnitOfWork, keys: list[str]) -> None:
    """Refuse the attempt while any key is still waiting (before the password is even looked at)."""
    with uow.transaction() as session:
        now = uow.clock.now()
        blocked = session.scalars(select(LoginThrottle.blocked_until).where(
            LoginThrottle.key.in_(keys), LoginThrottle.blocked_until > now)).all()
    if blocked:
        seconds = max(1, math.ceil((max(blocked) - now).total_seconds()))
        when = f"{math.ceil(seconds / 60)} 分钟" if seconds >= 60 else f"{seconds} 秒"
        raise TooManyAttemptsError(f"登录失败次数过多，请 {when}后再试",
                                   details={"retry_after_seconds": seconds})


def record_failure(uow: UnitOfWork, keys: list[str]) -> None:
    with uow.transaction() as session:
        now = uow.clock.now()
        insert = insert_for(session.bind.dialect.name)
        for key in keys:
            session.execute(insert(LoginThrottle).values(key=key, failures=0, last_failed_at=now)
                            .on_conflict_do_nothing(index_elements=["key"]))
            row = session.get(LoginThrottle, key, with_for_update=True, populate_existing=True)
            failures = 1 if now - row.last_failed_at > FORGET_AFTER else row.failures + 1
            wait = wait_after(failures, lock_after=lock_after(key))
            session.execute(update(LoginThrottle).where(LoginThrottle.key == key).values(
                failures=failures, last_failed_at=now, blocked_until=(now + wait) if wait else None))


def forget_failures(uow: UnitOfWork, key: str) -> None:
    with uow.transaction() as session:
        session.execute(delete(LoginThrottle).where(LoginThrottle.key == key))


def blocked_until(uow: UnitOfWork, key: str) -> datetime | None:
    with uow.transaction() as session:
        return session.scalar(select(LoginThrottle.blocked_until).where(LoginThrottle.key == key))
