"""Contract fuzzing: schemathesis generates requests from /api/v1/openapi.json, signed in as each role,
and every answer must be documented, schema-valid, and never a 5xx."""
from __future__ import annotations

import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import CHECKS as REGISTERED_CHECKS
from schemathesis.generation.modes import GenerationMode

from server.cases import service as cases
from server.files import uploads
from server.people import sessions as api_sessions
from tests.factories import World

from .conftest import jpeg_bytes

EXAMPLES_PER_ROLE = 6
# `--checks all`: every check schemathesis registers (response time is not one: timings are no test's business).
CHECKS = REGISTERED_CHECKS.get_all()


def test_every_operation_honours_its_contract_for_every_role(live_server):
    runtime = live_server.runtime
    world = World.load(runtime)
    people = [world.person("章小平"), world.person("严民强"), world.office("hubin"),
              world.unit_staff("湖滨街道公共管理办公室"), world.district()]
    tokens = [api_sessions.start_session(runtime.uow(), person_id=p.id, method="password").access_token
              for p in people]
    # Some real objects, so that small generated ids hit cases and attachments as well as misses.
    photo = uploads.upload_image(runtime.uow(), person_id=people[0].id, data=jpeg_bytes())
    case = world.create_case(attachment_ids=[photo.id])
    cases.accept_case(runtime.uow(), actor_id=people[1].id, case_id=case.id)
    world.create_case(reporter="朱伟", description="路口红绿灯时间太短，老人过街来不及")

    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/v1/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 25
    with requests.Session() as session:
        for operation in operations:
            for token in tokens:
                fuzz(operation, session, {"Authorization": f"Bearer {token}"}, GenerationMode.POSITIVE)
            # Invalid input is refused the same way whoever sends it: one role is enough.
            fuzz(operation, session, {"Authorization": f"Bearer {tokens[2]}"}, GenerationMode.NEGATIVE)


def fuzz(operation, session: requests.Session, headers: dict[str, str], mode: GenerationMode) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES_PER_ROLE, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def honours_contract(case):
        case.call_and_validate(session=session, headers=headers, checks=CHECKS)

    honours_contract()
