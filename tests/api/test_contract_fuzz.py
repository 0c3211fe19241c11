"""Contract fuzzing: schemathesis generates requests from /api/v1/openapi.json, signed in as each role,
and every answer must be documented, schema-valid, and never a 5xx."""
from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from server.services import cases

from .conftest import upload

EXAMPLES_PER_ROLE = 6
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def test_every_operation_honours_its_contract_for_every_role(app, world, sign_in, runtime):
    resident = sign_in(world.person("章小平"))
    upload(resident)
    case = world.create_case()
    cases.accept_case(runtime.uow(), actor_id=world.person("严民强").id, case_id=case.id)
    callers = {"resident": resident, "deputy": sign_in(world.person("严民强")), "office": sign_in(world.office("hubin")),
               "unit": sign_in(world.unit_staff("湖滨街道公共管理办公室")), "district": sign_in(world.district())}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 25

    for operation in operations:
        for caller in callers.values():
            fuzz(operation, {"Authorization": f"Bearer {caller.token}"})


def fuzz(operation, headers: dict[str, str]) -> None:
    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES_PER_ROLE, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def honours_contract(case):
        case.call_and_validate(headers=headers, checks=CHECKS)

    honours_contract()
