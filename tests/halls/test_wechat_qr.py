"""With WeChat credentials the hall's code is a permanent parametric QR code (scene topic:<id>), made
once through the gateway and cached; here the project's own sandbox plays WeChat over HTTP."""
from __future__ import annotations

import io

import requests
import zxingcpp
from PIL import Image

from server.core.runtime import build_runtime
from server.core.settings import load_settings
from server.halls import posters
from server.halls.models import Topic
from server.sandbox.state import scene_from_ticket


def test_the_poster_carries_a_cached_wechat_qr_ticket(live_server, engine, clock, world, tmp_path):
    from tests.halls.conftest import Hall

    hall = Hall(world, live_server.runtime, clock)
    topic = hall.open_now()
    settings = load_settings({"DATABASE_URL": str(engine.url.render_as_string(hide_password=False)),
                              "MINYI_INSTANCE_DIR": str(tmp_path / "wechat"), "MINYI_ENV": "testing",
                              "WECHAT_APP_ID": "wx1234567890abcdef", "WECHAT_APP_SECRET": "real-looking-secret",
                              "WECHAT_API_BASE": f"{live_server.url}/sandbox/api",
                              "WECHAT_TIMEOUT_SECONDS": "15"})  # a busy test machine must not time out
    runtime = build_runtime(settings, clock=clock, engine=engine)
    assert settings.wechat_configured
    calls = f"{live_server.url}/sandbox/api/calls"
    requests.delete(calls, timeout=5)

    first = posters.topic_qr_content(runtime.uow(), topic_id=topic.id, gateway=runtime.wechat)
    png = posters.topic_poster(runtime.uow(), topic_id=topic.id, fmt="png", gateway=runtime.wechat)
    made = requests.get(calls, params={"path": "cgi-bin/qrcode/create"}, timeout=5).json()["calls"]
    assert len(made) == 1  # cached on the topic after the first call
    with runtime.uow().transaction() as session:
        cached = session.get(Topic, topic.id)
        assert (cached.qr_url, scene_from_ticket(cached.qr_ticket)) == (first, f"topic:{topic.id}")
    assert [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))] == [first]
    # Without credentials the same topic's code is the plain link to its page.
    assert posters.topic_qr_content(live_server.runtime.uow(), topic_id=topic.id) == \
        f"{live_server.url}/halls/{topic.id}"
