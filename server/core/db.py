"""Engine, session factory and the declarative Base (with a constraint naming convention)."""
from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from server.core.errors import NotFoundError
from server.core.sqlite_writers import QueuedWriterConnection, connection_factory

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


PG_CONNECT_TIMEOUT_SECONDS = 2  # unless DATABASE_URL says `?connect_timeout=N`


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC, returns aware UTC: SQLite keeps no zone, PostgreSQL keeps one; both read the same."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; Minyi stores aware UTC times only")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None else None


def make_engine(url: str, **kwargs) -> Engine:
    """An engine that survives a database restart (pre-ping) and, on SQLite, serialises writers up front."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        connect_args: dict = {"timeout": 30}
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            connect_args["factory"] = connection_factory(parsed.database)
        engine = create_engine(url, connect_args=connect_args, **kwargs)
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    if "connect_timeout" not in parsed.query:
        # libpq waits forever for an unreachable host by default; its minimum is 2 seconds.
        kwargs.setdefault("connect_args", {"connect_timeout": PG_CONNECT_TIMEOUT_SECONDS})
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        # Take the write lock at BEGIN so that read-then-write transactions never deadlock
        # on lock upgrade; this is SQLite's stand-in for SELECT ... FOR UPDATE. Writers queue on a
        # file lock first (server/sqlite_writers.py): SQLite's own wait sleeps up to 100 ms a try.
        dbapi_connection = connection.connection.dbapi_connection
        queued = isinstance(dbapi_connection, QueuedWriterConnection)
        if queued:
            dbapi_connection.queue_for_write()
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            if queued:
                dbapi_connection.leave_queue()
            raise


def insert_for(dialect: str):
    """The INSERT construct of `dialect` (a name), for `ON CONFLICT …`: PostgreSQL's, else SQLite's."""
    return pg_insert if dialect == "postgresql" else sqlite_insert


Row = TypeVar("Row", bound="Base")


def lock_row(session: Session, model: type[Row], row_id: Any, *, missing: str,
             details: dict[str, Any] | None = None) -> Row:
    """The row with this primary key, read afresh and locked until the transaction ends; NotFoundError
    (`missing`, `details`) if there is none. FOR UPDATE serialises competing changes on PostgreSQL;
    SQLite renders no FOR UPDATE, and needs none: its BEGIN IMMEDIATE already holds the write lock."""
    row = session.get(model, row_id, with_for_update=True, populate_existing=True)
    if row is None:
        raise NotFoundError(missing, details=details)
    return row


def make_session_factory(engine: Engine) -> sessionmaker:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)
