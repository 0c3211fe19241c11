"""Recording job runs: one upsert per run, in its own short transaction."""
from __future__ import annotations

import os
import socket
from datetime import datetime

from server.core.db import insert_for
from server.core.uow import UnitOfWork
from server.operations.models import JobRun


def record_job_run(uow: UnitOfWork, *, name: str, started_at: datetime, finished_at: datetime, ok: bool,
                   seconds: float) -> None:
    """Note that `name` ran (any process, any host): the row keeps the latest run and the latest success."""
    runner = f"{socket.gethostname()}:{os.getpid()}"[:128]
    with uow.transaction() as session:
        table = JobRun.__table__
        row = dict(name=name[:64], started_at=started_at, finished_at=finished_at, ok=ok, seconds=seconds,
                   runner=runner, last_ok_at=finished_at if ok else None)
        insert = insert_for(session.get_bind().dialect.name)(table).values(**row)
        updates = {key: insert.excluded[key] for key in ("started_at", "finished_at", "ok", "seconds", "runner")}
        if ok:
            updates["last_ok_at"] = insert.excluded.last_ok_at
        # Two schedulers may finish the same job out of order: the row only moves forward in time.
        session.execute(insert.on_conflict_do_update(index_elements=[table.c.name], set_=updates,
                                                     where=table.c.finished_at <= insert.excluded.finished_at))
