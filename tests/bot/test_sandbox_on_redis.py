"""Bot stories that read the sandbox's pushes and media, again with the sandbox's state in Redis."""
from __future__ import annotations

import pytest

from server.sandbox import sandbox_state
from server.sandbox.redis_store import RedisSandboxStore
from tests.bot.test_reporting import (  # noqa: F401  (collected here a second time)
    test_a_photo_sent_within_ten_minutes_joins_the_case_and_is_fetched_in_the_background,
    test_the_media_job_downloads_the_photo_and_attaches_it_to_the_case,
)
from tests.bot.test_scenes_and_binding import (  # noqa: F401
    test_a_deputy_bound_by_chat_receives_the_new_case_push_in_the_sandbox,
)
from tests.bot.test_words_by_role import (  # noqa: F401
    test_the_resident_hears_when_their_report_is_accepted_routed_resolved_and_reopened,
)
from tests.conftest import REDIS_URL


@pytest.fixture
def serve(serve, redis_prefix):
    """tests/bot/conftest.py's `serve`, with REDIS_URL set."""
    def start(**overrides: str):
        server = serve(REDIS_URL=REDIS_URL, MINYI_REDIS_PREFIX=redis_prefix, **overrides)
        assert isinstance(sandbox_state(server.app).store, RedisSandboxStore)
        return server

    return start
