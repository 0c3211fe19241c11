"""Hall fixtures: the demo world with 凯旋街道's organizer 徐芳 and a topic about 凤起东路."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from server.halls import service as topics
from server.halls.models import Topic
from server.pushes.models import OutboxMessage

TITLE = "凤起东路行人过街安全"
BACKGROUND = "凤起东路景芳路口车流大、行人横穿多，街道拟增设隔离栏和信号灯，请居民提出意见。"


@dataclass
class Hall:
    world: object
    runtime: object
    clock: object

    @property
    def uow(self):
        return self.runtime.uow()

    def id(self, name: str) -> int:
        return self.world.person(name).id

    def create(self, organizer: str = "徐芳", opens_in_hours: float | None = 1, lasts_hours: float = 72,
               **kwargs) -> Topic:
        now = self.clock.now()
        opens_at = now + timedelta(hours=opens_in_hours) if opens_in_hours is not None else None
        return topics.create_topic(
            self.uow, actor_id=self.id(organizer), title=kwargs.pop("title", TITLE),
            background=kwargs.pop("background", BACKGROUND), opens_at=opens_at,
            closes_at=(opens_at or now) + timedelta(hours=lasts_hours), **kwargs)

    def open_now(self, **kwargs) -> Topic:
        topic = self.create(opens_in_hours=None, **kwargs)
        return topics.open_topic(self.uow, actor_id=self.id(kwargs.get("organizer", "徐芳")), topic_id=topic.id)

    def count(self, model, *where) -> int:
        with self.runtime.uow().transaction() as session:
            return session.scalar(select(func.count()).select_from(model).where(*where))

    def pushes(self, kind: str) -> list[OutboxMessage]:
        with self.runtime.uow().transaction() as session:
            return list(session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)
                                        .order_by(OutboxMessage.id)))


@pytest.fixture
def hall(world, runtime, clock) -> Hall:
    return Hall(world, runtime, clock)


@pytest.fixture
def sign_in(client, runtime, world):
    """sign_in("徐芳") -> an API caller with a fresh bearer session for that demo person."""
    from server.people import sessions as api_sessions
    from tests.api.conftest import ApiCaller

    def make(name: str) -> ApiCaller:
        person = world.person(name)
        tokens = api_sessions.start_session(runtime.uow(), person_id=person.id, method="password")
        return ApiCaller(client, person, tokens.access_token)

    return make


@pytest.fixture
def anonymous_caller(client):
    from tests.api.conftest import ApiCaller

    return ApiCaller(client)
