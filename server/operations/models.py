from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, String
from sqlalchemy.orm import Mapped, mapped_column

from server.core.db import Base, UTCDateTime


class JobRun(Base):
    """The last run of each periodic job, by any scheduler process on any host (one row per job).

    `/metrics` reads it for the scheduler lag (now − the last finished run): a job whose schedulers all
    died, or that keeps failing, shows a lag growing past its interval.
    """

    __tablename__ = "job_runs"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ok: Mapped[bool] = mapped_column(Boolean)
    seconds: Mapped[float] = mapped_column(Float)
    runner: Mapped[str] = mapped_column(String(128))  # host:pid of the process that ran it
    # The last run that succeeded: a failing job keeps running but its lag (from here) grows.
    last_ok_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
