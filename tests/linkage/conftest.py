"""Linkage fixtures: the demo world with 区人大 张梦月, 采荷街道's office 蔡静 and deputies 李春梅 / 赵志刚."""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select

from server.core.clock import LOCAL_ZONE
from server.linkage import service as linkage
from server.linkage.service import Upload
from server.pushes.models import OutboxMessage
from tests.bot.conftest import bot, serve  # noqa: F401  (the whole app on a port, for the chat tests here)
from tests.console.conftest import signed_in  # noqa: F401  (the console fixture, for the page tests here)
from tests.web.chromium import browser  # noqa: F401  (the Chromium fixture, for the page tests here)

TITLE = "无障碍设施提升改造专项视察"
BRIEF = "请组织代表对辖区无障碍设施开展专项视察，同步征集居民意见，形成视察报告和意见建议清单。"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def png_bytes(color=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), color).save(buffer, format="PNG")
    return buffer.getvalue()


@dataclass
class Linkage:
    world: object
    runtime: object
    clock: object

    @property
    def uow(self):
        return self.runtime.uow()

    def id(self, name: str) -> int:
        return self.world.person(name).id

    def today(self) -> date:
        return self.clock.now().astimezone(LOCAL_ZONE).date()

    def draft(self, streets=("caihe",), days=14, **kwargs):
        return linkage.create_task(
            self.uow, actor_id=self.id("张梦月"), kind=kwargs.pop("kind", "assignment"), title=kwargs.pop("title", TITLE),
            brief=kwargs.pop("brief", BRIEF), due_date=self.today() + timedelta(days=days),
            street_ids=[self.world.street(code).id for code in streets],
            files=kwargs.pop("files", [Upload("视察方案.pdf", PDF)]), **kwargs)

    def issued(self, streets=("caihe",), days=14, **kwargs):
        task = self.draft(streets, days, **kwargs)
        return linkage.issue_task(self.uow, actor_id=self.id("张梦月"), task_id=task.id)

    def assignment_id(self, task_id: int, street: str = "caihe") -> int:
        from server.linkage.models import LinkageAssignment

        with self.uow.transaction() as session:
            return session.scalar(select(LinkageAssignment.id).where(
                LinkageAssignment.task_id == task_id, LinkageAssignment.street_id == self.world.street(street).id))

    def pushes(self, kind: str) -> list[OutboxMessage]:
        with self.uow.transaction() as session:
            return list(session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)))

    def count(self, model, *where) -> int:
        with self.uow.transaction() as session:
            return session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def lk(world, runtime, clock) -> Linkage:
    return Linkage(world, runtime, clock)
