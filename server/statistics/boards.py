"""赛马晾晒: streets and units ranked by a published composite, and the monthly boards.

The scheme (figures, weights, colour thresholds) is stored and edited by the district; a month's
board is frozen once, on or after the 1st of the next month, and each street's office and deputies
are told their place through the outbox in the same transaction. The arithmetic is the general
engine in `rules` (subjects, criteria, bands), which the Fuyang village rankings will reuse.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.core.db import insert_for
from server.core.errors import NotFoundError, PermissionDeniedError, ValidationError
from server.core.figures import Period
from server.core.uow import UnitOfWork
from server.people.models import Person
from server.people.rules import Role
from server.pushes import notifications
from server.pushes.states import OutboxKind
from server.statistics import queries, texts
from server.statistics.models import RankingBoard, RankingBoardRow, RankingScheme, RankingSchemeChange
from server.statistics.rollup import local_day
from server.statistics.rules import (
    Bands,
    Criterion,
    Placed,
    Subject,
    check_scheme,
    month_start,
    next_month,
    previous_month,
    rank_subjects,
)

SCHEME_DIMENSIONS = {"streets": "street", "units": "unit"}


@dataclass(frozen=True)
class Scheme:
    key: str
    title: str
    criteria: tuple[Criterion, ...]
    bands: Bands

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "title": self.title, "green_at": self.bands.green_at,
                "yellow_at": self.bands.yellow_at,
                "criteria": [{"figure": c.figure, "label": texts.FIGURE_LABELS.get(c.figure, c.figure),
                              "weight": c.weight} for c in self.criteria]}


def _scheme_from(key: str, title: str, criteria: list[dict], green_at: float, yellow_at: float) -> Scheme:
    return Scheme(key, title, tuple(Criterion(c["figure"], float(c["weight"])) for c in criteria),
                  Bands(float(green_at), float(yellow_at)))


def _load_scheme(session: Session, key: str) -> Scheme:
    row = session.get(RankingScheme, key)
    if row is not None:
        return _scheme_from(key, row.title, row.criteria, row.green_at, row.yellow_at)
    if key not in texts.DEFAULT_SCHEMES:
        raise NotFoundError("找不到该排名方案")
    return _scheme_from(key, **texts.DEFAULT_SCHEMES[key])


def get_scheme(uow: UnitOfWork, key: str) -> Scheme:
    """The scheme as published: the stored one, or the default until the district first edits it."""
    with uow.transaction() as session:
        return _load_scheme(session, key)


def update_scheme(uow: UnitOfWork, *, actor_id: int, key: str, weights: dict[str, float], green_at: float,
                  yellow_at: float) -> Scheme:
    """The district committee sets the weights and colour thresholds; the change is kept on the scheme's timeline."""
    with uow.transaction() as session:
        actor = session.get(Person, actor_id)
        if actor is None or actor.role != Role.district_committee:
            raise PermissionDeniedError("只有区人大可以修改排名规则")
        before = _load_scheme(session, key)
        unknown = set(weights) - set(texts.SCHEME_FIGURES)
        if unknown:
            raise ValidationError("不认识的指标", details={"weights": sorted(unknown)})
        criteria = [Criterion(figure, float(weight)) for figure, weight in weights.items() if float(weight) > 0]
        bands = Bands(float(green_at), float(yellow_at))
        problems = check_scheme(criteria, bands)
        if problems:
            raise ValidationError("；".join(problems))
        after = Scheme(key, before.title, tuple(criteria), bands)
        now = uow.clock.now()
        stored = after.as_dict()
        values = {"title": after.title, "criteria": [{"figure": c.figure, "weight": c.weight} for c in criteria],
                  "green_at": bands.green_at, "yellow_at": bands.yellow_at, "updated_at": now,
                  "updated_by_id": actor_id}
        insert = insert_for(session.get_bind().dialect.name)(RankingScheme)
        statement = insert.values(key=key, **values)
        session.execute(statement.on_conflict_do_update(index_elements=[RankingScheme.key], set_=values))
        session.add(RankingSchemeChange(scheme_key=key, actor_id=actor_id, before=before.as_dict(), after=stored,
                                        created_at=now))
        return after


def scheme_changes(uow: UnitOfWork, key: str, limit: int = 20) -> list[dict[str, Any]]:
    with uow.transaction() as session:
        rows = session.execute(select(RankingSchemeChange, Person.name)
                               .join(Person, Person.id == RankingSchemeChange.actor_id, isouter=True)
                               .where(RankingSchemeChange.scheme_key == key)
                               .order_by(RankingSchemeChange.id.desc()).limit(limit)).all()
        return [{"at": change.created_at, "by": name, "before": change.before, "after": change.after}
                for change, name in rows]


def _subjects(uow: UnitOfWork, key: str, period: Period) -> list[Subject]:
    rows = queries.by_dimension(uow, queries.Scope(period), SCHEME_DIMENSIONS[key], percentiles=False)
    return [Subject(row["id"], row["name"], {name: row[name] for name in
                                             ("received", *texts.SCHEME_FIGURES)})
            for row in rows if row["id"]]


def _board(session: Session, key: str, month: date) -> RankingBoard | None:
    return session.scalar(select(RankingBoard).where(RankingBoard.scheme_key == key, RankingBoard.month == month))


def _board_ranks(session: Session, board: RankingBoard | None) -> dict[int, int]:
    if board is None:
        return {}
    # A subject without figures that month was not really ranked: no change is shown against it.
    return dict(session.execute(select(RankingBoardRow.subject_id, RankingBoardRow.rank)
                                .where(RankingBoardRow.board_id == board.id, RankingBoardRow.score.is_not(None))).all())


def _as_row(placed: Placed) -> dict[str, Any]:
    return {"id": placed.subject.id, "name": placed.subject.name, "rank": placed.rank, "score": placed.score,
            "band": placed.band, "previous_rank": placed.previous_rank, "change": placed.change,
            "change_text": texts.rank_change(placed.change), **placed.subject.figures}


def live_ranking(uow: UnitOfWork, key: str, period: Period) -> dict[str, Any]:
    """The ranking over a period as the figures stand now, with the change since the last frozen board."""
    with uow.transaction() as session:
        scheme = _load_scheme(session, key)
        previous = _board_ranks(session, _board(session, key, previous_month(period.first)))
        placed = rank_subjects(_subjects(uow, key, period), scheme.criteria, scheme.bands, previous)
    return {"scheme": scheme.as_dict(), "rows": [_as_row(item) for item in placed]}


def frozen_board(uow: UnitOfWork, key: str, month: date) -> dict[str, Any] | None:
    """A month's frozen board as people saw it (None before it is frozen)."""
    with uow.transaction() as session:
        board = _board(session, key, month_start(month))
        if board is None:
            return None
        rows = session.scalars(select(RankingBoardRow).where(RankingBoardRow.board_id == board.id)
                               .order_by(RankingBoardRow.rank, RankingBoardRow.subject_id)).all()
        return {"month": board.month, "frozen_at": board.frozen_at, "scheme": board.scheme,
                "rows": [{"id": row.subject_id, "name": row.subject_name, "rank": row.rank, "score": row.score,
                          "band": row.band, "previous_rank": row.previous_rank,
                          "change": None if row.previous_rank is None else row.previous_rank - row.rank,
                          "change_text": texts.rank_change(None if row.previous_rank is None
                                                           else row.previous_rank - row.rank),
                          **row.figures} for row in rows]}


def _street_recipients(session: Session, street_id: int) -> list[int]:
    return list(session.scalars(select(Person.id).where(
        Person.street_id == street_id, Person.role.in_([Role.street_office, Role.deputy]),
        Person.is_active.is_(True)).order_by(Person.id)))


def freeze_board(uow: UnitOfWork, key: str, month: date) -> dict[str, Any]:
    """Freeze the month's board once: a second call (another scheduler, a retry) changes nothing.

    For streets, each street's office and deputies hear their place ("11月赛马晾晒：湖滨街道排名第2，
    较上月上升1位") through the outbox, in the same transaction as the board.
    """
    month = month_start(month)
    with uow.transaction() as session:
        now = uow.clock.now()
        scheme = _load_scheme(session, key)
        insert = insert_for(session.get_bind().dialect.name)(RankingBoard)
        board_id = session.scalar(insert.values(scheme_key=key, month=month, scheme=scheme.as_dict(), frozen_at=now)
                                  .on_conflict_do_nothing().returning(RankingBoard.id))
        if board_id is None:
            return {"frozen": False, "month": month.isoformat()}
        previous = _board_ranks(session, _board(session, key, previous_month(month)))
        period = Period(month, next_month(month) - timedelta(days=1))
        placed = rank_subjects(_subjects(uow, key, period), scheme.criteria, scheme.bands, previous)
        if placed:
            session.execute(RankingBoardRow.__table__.insert(), [
                {"board_id": board_id, "subject_id": item.subject.id, "subject_name": item.subject.name,
                 "rank": item.rank, "previous_rank": item.previous_rank, "score": item.score, "band": item.band,
                 "figures": dict(item.subject.figures)} for item in placed])
        pushes = 0
        if key == "streets":
            for item in (item for item in placed if item.score is not None):  # no case, nothing to tell
                payload = {"month": texts.month_label(month), "subject": item.subject.name, "rank": item.rank,
                           "change": texts.rank_change(item.change), "score": texts.score_text(item.score)}
                pushes += notifications.push_to(session, _street_recipients(session, item.subject.id),
                                                kind=OutboxKind.ranking_published, now=now, subject_id=board_id,
                                                payload=payload, dedupe=str(item.subject.id))
        return {"frozen": True, "month": month.isoformat(), "subjects": len(placed), "pushes": pushes}


def freeze_due_boards(uow: UnitOfWork) -> list[dict[str, Any]]:
    """The job: on or after the 1st, last month's boards are frozen (once each)."""
    last_month = previous_month(local_day(uow.clock.now()))
    return [freeze_board(uow, key, last_month) for key in SCHEME_DIMENSIONS]
