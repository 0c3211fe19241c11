from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, Float, ForeignKey, Index, Integer, PrimaryKeyConstraint, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.cases.models import Case
from server.chat.models import InboundMessage
from server.core.column_types import JSONType
from server.core.db import Base, UTCDateTime

# ------------------------------------------------------------------ daily roll-ups (全景视窗 at scale)

class _CaseFigures:
    """The measures a roll-up row carries (see `CaseDayFigures`)."""

    dimension: Mapped[str] = mapped_column(String(16), primary_key=True)
    street_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    received: Mapped[int] = mapped_column(Integer, default=0)
    responded_12h: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    resolved: Mapped[int] = mapped_column(Integer, default=0)
    resolved_72h: Mapped[int] = mapped_column(Integer, default=0)
    open: Mapped[int] = mapped_column(Integer, default=0)
    overdue: Mapped[int] = mapped_column(Integer, default=0)
    open_overdue: Mapped[int] = mapped_column(Integer, default=0)
    escalated: Mapped[int] = mapped_column(Integer, default=0)
    reopened: Mapped[int] = mapped_column(Integer, default=0)
    rated: Mapped[int] = mapped_column(Integer, default=0)
    satisfied: Mapped[int] = mapped_column(Integer, default=0)
    resolved_on_day: Mapped[int] = mapped_column(Integer, default=0)
    # Whole hours from submission to resolution -> how many cases: medians and p90s add up across rows.
    resolve_hours: Mapped[dict[str, int]] = mapped_column(JSONType, default=dict)


class CaseDayFigures(_CaseFigures, Base):
    """One day's case figures for one member of one dimension, within one street.

    A view sums these rows over its period instead of reading cases. Two kinds of day meet in a row:
    the cohort measures count the cases *submitted* that day (as they stand now: open, resolved, rated),
    `resolved_on_day` counts the cases *resolved* that day (the trend's second line). A case event marks
    both days dirty and the roll-up job recomputes them (`server.statistics.rollup`).

    `dimension` is street | community | category | unit | platform; `member_id` is that row's id
    (for platform the position in `rules.PLATFORMS`), 0 for "none" (no community, not yet routed …);
    `street_id` is the case's street, so every dimension can be narrowed to one street.
    """

    __tablename__ = "case_day_figures"
    __table_args__ = (PrimaryKeyConstraint("dimension", "day", "street_id", "member_id"),
                      Index("ix_case_day_figures_day", "day"))

    day: Mapped[date] = mapped_column(Date, primary_key=True)


class CaseMonthFigures(_CaseFigures, Base):
    """The same figures summed over a calendar month, kept with the month's days: a year is 12 rows per
    member instead of 365 (views read whole months here and the odd days at either end from the days)."""

    __tablename__ = "case_month_figures"
    __table_args__ = (PrimaryKeyConstraint("dimension", "month", "street_id", "member_id"),)

    month: Mapped[date] = mapped_column(Date, primary_key=True)  # the month's first day


class ActivityDay(Base):
    """Distinct people who did anything on a day (case steps, opinions, supports, chat messages)."""

    __tablename__ = "activity_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    people: Mapped[int] = mapped_column(Integer)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DirtyDay(Base):
    """A day whose roll-up must be recomputed; `marked_at` lets a recompute keep a newer mark."""

    __tablename__ = "figure_dirty_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime)


class FigureWatermark(Base):
    """How far the roll-up job has read a source table (by id), and when it last ran."""

    __tablename__ = "figure_watermarks"

    source: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_id: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


# Indexes the roll-up's reads need on other features' tables (declared here, made by this feature's
# migration): a day's resolutions, a day's case steps and chat messages are read by time range.
Index("ix_cases_resolved_at", Case.__table__.c.resolved_at)
Index("ix_inbound_messages_received_at", InboundMessage.__table__.c.received_at)


# ------------------------------------------------------------------ rankings (赛马晾晒)

class RankingScheme(Base):
    """A published composite: which figures, their weights, and the colour thresholds of the score.

    The district admin edits it in the console; every change is kept in `ranking_scheme_changes`.
    """

    __tablename__ = "ranking_schemes"

    key: Mapped[str] = mapped_column(String(32), primary_key=True)  # "streets", "units", "villages" …
    title: Mapped[str] = mapped_column(String(64))
    criteria: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)  # [{"figure": …, "weight": …}]
    green_at: Mapped[float] = mapped_column(Float)
    yellow_at: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))


class RankingSchemeChange(Base):
    """The scheme's timeline: who changed the weights or thresholds, from what to what."""

    __tablename__ = "ranking_scheme_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_key: Mapped[str] = mapped_column(ForeignKey("ranking_schemes.key"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    before: Mapped[dict[str, Any]] = mapped_column(JSONType)
    after: Mapped[dict[str, Any]] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RankingBoard(Base):
    """A month's ranking frozen on the 1st of the next month: the board people compare against."""

    __tablename__ = "ranking_boards"
    __table_args__ = (UniqueConstraint("scheme_key", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_key: Mapped[str] = mapped_column(String(32))  # a default scheme has no stored row until edited
    month: Mapped[date] = mapped_column(Date)  # the month's first day
    scheme: Mapped[dict[str, Any]] = mapped_column(JSONType)  # the weights and thresholds it was ranked by
    frozen_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RankingBoardRow(Base):
    __tablename__ = "ranking_board_rows"

    board_id: Mapped[int] = mapped_column(ForeignKey("ranking_boards.id"), primary_key=True)
    subject_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_name: Mapped[str] = mapped_column(String(128))
    rank: Mapped[int] = mapped_column(Integer)
    previous_rank: Mapped[int | None] = mapped_column(Integer)
    score: Mapped[float | None] = mapped_column(Float)
    band: Mapped[str] = mapped_column(String(8))
    figures: Mapped[dict[str, Any]] = mapped_column(JSONType)
