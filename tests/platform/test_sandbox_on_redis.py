"""The sandbox's API-side tests again, with its state in Redis (REDIS_URL set), as under gunicorn.

The tests are the same functions as in the modules they come from; only `live_server` differs: it sets
REDIS_URL and a key prefix of this test's own (the `redis_prefix` fixture deletes its keys afterwards).
"""
from __future__ import annotations

import threading

import pytest

from server.core.runtime import build_runtime
from server.core.settings import load_settings
from server.sandbox import sandbox_state
from server.sandbox.redis_store import RedisSandboxStore
from tests.conftest import LiveServer
from tests.platform.conftest import REDIS_URL
from tests.platform.test_dispatch import (  # noqa: F401  (collected here a second time)
    test_a_new_case_reaches_the_areas_deputies_once,
    test_a_photo_is_fetched_and_attached_to_the_case,
    test_a_window_we_thought_open_falls_back_to_a_template,
    test_mini_program_users_get_subscribe_messages,
    test_residents_get_chat_text_inside_their_window_else_a_template,
    test_unreachable_recipients_are_skipped_and_can_be_retried,
)
from tests.platform.test_gateway import (  # noqa: F401
    test_40001_refreshes_once_and_retries,
    test_busy_and_server_errors_are_transient,
    test_expired_token_is_refreshed,
    test_media_download_returns_the_jpeg,
    test_messages_reach_the_sandbox_with_one_token,
    test_refusals_are_permanent,
    test_timeout_is_bounded_and_transient,
    test_token_refused_after_the_refresh_gives_up,
)
from tests.platform.test_sandbox_api import (  # noqa: F401
    test_call_log_filters_and_clears,
    test_faults_are_validated_counted_and_cleared,
    test_state_is_shared_with_the_user_side,
    test_tokens_behave_like_wechat,
)


@pytest.fixture
def live_server(database_url, engine, clock, tmp_path, redis_prefix):
    """tests/conftest.py's live server, with REDIS_URL set: the sandbox keeps its state in Redis."""
    from werkzeug.serving import make_server

    from server import create_app

    server = make_server("127.0.0.1", 0, app=None, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    settings = load_settings({"DATABASE_URL": database_url, "MINYI_INSTANCE_DIR": str(tmp_path / "instance"),
                              "MINYI_ENV": "testing", "MINYI_PUBLIC_URL": url,
                              "WECHAT_API_BASE": f"{url}/sandbox/api",
                              "REDIS_URL": REDIS_URL, "MINYI_REDIS_PREFIX": redis_prefix})
    runtime = build_runtime(settings, clock=clock, engine=engine)
    app = create_app(settings, runtime=runtime)
    assert isinstance(sandbox_state(app).store, RedisSandboxStore)
    server.app = app
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(server, app, runtime)
    server.shutdown()
    thread.join(timeout=5)
    runtime.dispose()
