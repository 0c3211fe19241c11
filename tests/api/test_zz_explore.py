import subprocess, sys, time
from pathlib import Path
from server.people import sessions as api_sessions
from server.cases import service as cases
from server.files import uploads
from tests.factories import World
from .conftest import jpeg_bytes


def test_explore(live_server):
    runtime = live_server.runtime
    world = World.load(runtime)
    people = [world.person("章小平"), world.office("hubin")]
    tokens = [api_sessions.start_session(runtime.uow(), person_id=p.id, method="password").access_token for p in people]
    photo = uploads.upload_image(runtime.uow(), person_id=people[0].id, data=jpeg_bytes())
    case = world.create_case(attachment_ids=[photo.id])
    cases.accept_case(runtime.uow(), actor_id=world.person("严民强").id, case_id=case.id)
    for name, token in zip(["resident", "office"], tokens):
        started = time.monotonic()
        result = subprocess.run([str(Path(sys.executable).parent / "schemathesis"), "run",
                                 f"{live_server.url}/api/v1/openapi.json", "--checks", "all",
                                 "-H", f"Authorization: Bearer {token}", "-n", "8", "--seed", "1",
                                 "--exclude-operation-id", "auth.logout", "--exclude-operation-id", "me.erase_me", "--exclude-operation-id", "me.request_my_erasure", "--continue-on-failure", "--no-shrink", "-w", "1", "--max-failures", "500",
                                 "--report", "ndjson", "--report-dir", f"/tmp/explore/{name}"],
                                capture_output=True, text=True, timeout=900)
        Path(f"/tmp/explore/{name}.txt").write_text(result.stdout + result.stderr)
        print(name, time.monotonic() - started, result.returncode)
