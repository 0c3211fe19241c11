from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from server.core.db import Base, UTCDateTime


class StreetRanking(Base):
    """The panoramic window's street ranking as last computed (one row per street).

    A scheduler job recomputes it every few minutes (`statistics.refresh_street_ranking`) so a page
    view reads six rows instead of aggregating a year of cases; `computed_at` is shown on the page.
    """

    __tablename__ = "street_rankings"

    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"), primary_key=True)
    rank: Mapped[int] = mapped_column(Integer)
    band: Mapped[str] = mapped_column(String(8))
    cases: Mapped[int] = mapped_column(Integer)
    open: Mapped[int] = mapped_column(Integer)
    overdue: Mapped[int] = mapped_column(Integer)
    resolved: Mapped[int] = mapped_column(Integer)
    resolved_within_72h_rate: Mapped[float | None] = mapped_column(Float)
    satisfaction_rate: Mapped[float | None] = mapped_column(Float)
    response_rate: Mapped[float | None] = mapped_column(Float)
    median_hours_to_resolve: Mapped[float | None] = mapped_column(Float)
    p90_hours_to_resolve: Mapped[float | None] = mapped_column(Float)
    # The window the figures cover: cases submitted in [since, computed_at).
    since: Mapped[datetime] = mapped_column(UTCDateTime)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)
