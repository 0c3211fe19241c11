"""Test data: the demo's reference world, looked up by name, plus `create_*` helpers."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, literal, select, text, union_all

from server.cases import service as cases
from server.cases.models import Case
from server.core.db import Base
from server.core.runtime import Runtime
from server.demo import _load_reference
from server.people.models import Person
from server.people.rules import Role
from server.places.models import Category, Community, HandlingUnit, Street


@dataclass
class World:
    runtime: Runtime

    @classmethod
    def load(cls, runtime: Runtime) -> World:
        """The demo's reference data, as `minyi seed-demo` makes it (`_load_reference`).

        Into an empty database the rows of the first real load at the same clock time are copied
        back, ids included (a real load is ~300 lookups and flushes and a password hash: 1-2 s).
        """
        with runtime.uow().transaction() as session:
            now = runtime.clock.now()
            key = (session.get_bind().dialect.name, now)
            empty = _database_is_empty(session)
            if empty and key in _REFERENCE_ROWS:
                _copy_rows(session, _REFERENCE_ROWS[key])
            else:
                _load_reference(session, now)
                if empty:
                    session.flush()
                    _REFERENCE_ROWS[key] = _read_rows(session)
        return cls(runtime)

    def _one(self, model, **keys):
        with self.runtime.uow().transaction() as session:
            row = session.scalar(select(model).filter_by(**keys))
            assert row is not None, f"no {model.__name__} with {keys}"
            return row

    def street(self, code: str) -> Street:
        return self._one(Street, code=code)

    def community(self, name: str) -> Community:
        return self._one(Community, name=name)

    def unit(self, name: str) -> HandlingUnit:
        return self._one(HandlingUnit, name=name)

    def category(self, code: str) -> Category:
        return self._one(Category, code=code)

    def person(self, name: str) -> Person:
        return self._one(Person, name=name)

    def office(self, street_code: str) -> Person:
        return self._one(Person, role=Role.street_office, street_id=self.street(street_code).id)

    def unit_staff(self, unit_name: str) -> Person:
        return self._one(Person, role=Role.handling_unit, handling_unit_id=self.unit(unit_name).id)

    def district(self) -> Person:
        return self._one(Person, role=Role.district_committee)

    def create_person(self, name: str, role: Role, street_code: str | None = None, **scope) -> Person:
        with self.runtime.uow().transaction() as session:
            street_id = self.street(street_code).id if street_code else None
            person = Person(name=name, role=role, street_id=street_id, is_active=True,
                            created_at=self.runtime.clock.now(), **scope)
            session.add(person)
            session.flush()
            return person

    def create_case(self, reporter: str = "章小平", description: str = "祖庙巷51号小区内绿化枯萎需要补种",
                    **kwargs) -> Case:
        return cases.submit_case(self.runtime.uow(), reporter_id=self.person(reporter).id,
                                 description=description, **kwargs)

    def reload(self, case: Case) -> Case:
        with self.runtime.uow().transaction() as session:
            return session.get(Case, case.id)


_REFERENCE_ROWS: dict = {}  # (dialect, clock time) -> [(table, rows)] of a real `_load_reference`


def _database_is_empty(session) -> bool:
    tables = Base.metadata.sorted_tables
    query = union_all(*(select(literal(1)).where(exists().select_from(table)) for table in tables))
    return session.execute(query).first() is None


def _read_rows(session) -> list:
    copied = []
    for table in Base.metadata.sorted_tables:
        rows = [dict(row) for row in session.execute(select(table).order_by(*table.primary_key.columns)).mappings()]
        if rows:
            copied.append((table, rows))
    return copied


def _copy_rows(session, copied: list) -> None:
    for table, rows in copied:
        session.execute(table.insert(), rows)
    if session.get_bind().dialect.name == "postgresql":  # explicit ids leave the sequences behind
        for table, rows in copied:
            (column,) = table.primary_key.columns
            session.execute(text("SELECT setval(pg_get_serial_sequence(:table, :column), :value)"),
                            {"table": table.name, "column": column.name, "value": max(row[column.name] for row in rows)})
