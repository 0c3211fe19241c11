"""Contract fuzzing: schemathesis generates requests from /api/v1/openapi.json with every check it has
(`--checks all`: no 5xx, documented status codes, content types and headers, schema-valid answers,
schema-valid requests accepted, schema-violating ones refused, auth not ignored, …) in its fuzzing
phase, signed in as a resident and as a street office. (Wrong methods, the coverage phase's part, are
tests/security/test_http_policy.py's: every 405 of the app names what is allowed.)

What a JSON schema cannot say is listed in SEMANTIC_REFUSALS: a refusal a schema-valid request may
get because of what the database holds or the time it is (an id that names nothing, an opaque cursor
we did not issue, bytes that are not a picture, a deadline in the past). Any other 4xx to a schema-valid
request is a contract failure.
"""
from __future__ import annotations

import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import CHECKS as REGISTERED_CHECKS
from schemathesis.checks import positive_data_acceptance
from schemathesis.generation.modes import GenerationMode

from server.cases import service as cases
from server.files import uploads
from server.people import sessions as api_sessions
from tests.factories import World

from .conftest import jpeg_bytes

EXAMPLES = 4
# Operations that end the caller's session: fuzzing them with the shared token would sign it out.
# tests/api/test_auth.py and tests/security/test_privacy.py call them.
SESSION_ENDING = {"auth.logout", "me.erase_me", "me.request_my_erasure"}
# (error code, the field it names or None): refusals that depend on data or time, not on the request's shape.
SEMANTIC_REFUSALS = {
    ("invalid_cursor", None),
    ("invalid_input", "street_id"), ("invalid_input", "community_id"), ("invalid_input", "category_id"),
    ("invalid_input", "unit_id"), ("invalid_input", "attachment_ids"), ("invalid_input", "closes_at"),
    ("invalid_input", "opens_at"), ("invalid_input", "file"),
    ("invalid_input", "slot_at"),  # a time that is not one of that reception day's slots
}


@schemathesis.check
def positive_data_accepted_unless_semantic(ctx, response, case):
    """positive_data_acceptance, but a refusal listed in SEMANTIC_REFUSALS is an answer, not a failure."""
    try:
        return positive_data_acceptance(ctx, response, case)
    except AssertionError:
        if response.status_code == 422:
            error = (response.json() or {}).get("error", {})
            if (error.get("code"), error.get("details", {}).get("field")) in SEMANTIC_REFUSALS:
                return None
        raise


CHECKS = [check for check in REGISTERED_CHECKS.get_all()
          if check not in (positive_data_acceptance, positive_data_accepted_unless_semantic)]
CHECKS.append(positive_data_accepted_unless_semantic)


def test_every_operation_honours_its_contract_for_a_resident_and_a_street_office(live_server):
    runtime = live_server.runtime
    world = World.load(runtime)
    resident, office = world.person("章小平"), world.office("hubin")
    tokens = [api_sessions.start_session(runtime.uow(), person_id=p.id, method="password").access_token
              for p in (resident, office)]
    # Some real objects, so that small generated ids hit cases and attachments as well as misses.
    photo = uploads.upload_image(runtime.uow(), person_id=resident.id, data=jpeg_bytes())
    case = world.create_case(attachment_ids=[photo.id])
    cases.accept_case(runtime.uow(), actor_id=world.person("严民强").id, case_id=case.id)
    world.create_case(reporter="朱伟", description="路口红绿灯时间太短，老人过街来不及")

    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/v1/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 50
    assert {check.__name__ for check in CHECKS} >= {"ignored_auth", "negative_data_rejection",
                                                   "response_schema_conformance", "not_a_server_error",
                                                   "response_headers_conformance", "use_after_free"}
    tested = 0
    with requests.Session() as session:
        for operation in operations:
            if operation.definition.raw.get("operationId") in SESSION_ENDING:
                continue
            for token in tokens:
                headers = {"Authorization": f"Bearer {token}"}
                fuzz(operation, session, headers, GenerationMode.POSITIVE)
            # Invalid input is refused the same way whoever sends it: one role is enough.
            fuzz(operation, session, {"Authorization": f"Bearer {tokens[1]}"}, GenerationMode.NEGATIVE)
            tested += 1
    assert tested == len(operations) - len(SESSION_ENDING)


def fuzz(operation, session: requests.Session, headers: dict[str, str], mode: GenerationMode) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def honours_contract(case):
        case.call_and_validate(session=session, headers=headers, checks=CHECKS)

    honours_contract()
