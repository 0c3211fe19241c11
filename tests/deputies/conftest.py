"""Deputy work's fixtures: a station of 湖滨 and a reception day there tomorrow morning."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from server.core.clock import LOCAL_ZONE
from server.deputies import receptions, service
from tests.api.conftest import live  # noqa: F401  (the fixture, for the HTTP tests here)
from tests.bot.conftest import bot, resident, serve  # noqa: F401  (the sandbox fixtures, for the chat tests)
from tests.console.conftest import signed_in  # noqa: F401  (a signed-in console client)
from tests.web.chromium import browser  # noqa: F401  (the fixture, for the page tests here)


def local(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=LOCAL_ZONE)


@dataclass
class Hubin:
    world: object
    runtime: object
    station: object
    office: object
    deputies: list
    resident: object

    def schedule(self, starts_at=None, hours=2, **kwargs):
        starts_at = starts_at or local(29, 9)
        kwargs.setdefault("deputy_ids", [d.id for d in self.deputies])
        return receptions.schedule_reception(self.runtime.uow(), actor_id=self.office.id, station_id=self.station.id,
                                             starts_at=starts_at, ends_at=starts_at + timedelta(hours=hours), **kwargs)


def make_hubin(world, runtime) -> Hubin:
    office = world.office("hubin")
    station = service.create_station(runtime.uow(), actor_id=office.id, street_id=world.street("hubin").id,
                                     name="湖滨街道人大代表联络站", address="东坡路8号二楼",
                                     opening_hours="工作日 9:00-17:00", phone="0571-87001234")
    deputies = [world.person("严民强"), world.person("周立群")]
    for deputy in deputies:
        service.update_deputy_profile(runtime.uow(), actor_id=office.id, deputy_id=deputy.id,
                                      title="上城区人大代表", station_id=station.id)
    return Hubin(world, runtime, station, office, deputies, world.person("章小平"))


@pytest.fixture
def hubin(world, runtime) -> Hubin:
    return make_hubin(world, runtime)
