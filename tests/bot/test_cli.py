"""The bot's commands: `minyi wechat push-menu`, `minyi wechat bind-code`, `minyi sandbox` on its own."""
from __future__ import annotations

import json
import threading
from datetime import UTC, datetime

import pytest
import requests
from click.testing import CliRunner

from server.cases.states import CaseState
from server.chat import MENU
from server.cli import main
from server.core.settings import load_settings
from server.sandbox.app import create_sandbox_app
from server.wechat import WeChatError

from .conftest import Phone


@pytest.fixture
def cli_env(monkeypatch, bot, database_url, tmp_path):
    for name, value in {"DATABASE_URL": database_url, "MINYI_ENV": "testing", "MINYI_PUBLIC_URL": bot.url,
                        "MINYI_INSTANCE_DIR": str(tmp_path / "cli"), "WECHAT_API_BASE": f"{bot.url}/sandbox/api"}.items():
        monkeypatch.setenv(name, value)
    return CliRunner()


def test_push_menu_sends_the_custom_menu_through_the_gateway(bot, cli_env):
    result = cli_env.invoke(main, ["wechat", "push-menu"])
    assert result.exit_code == 0, result.output
    calls = requests.get(f"{bot.url}/sandbox/api/calls", params={"path": "cgi-bin/menu/create"}, timeout=10).json()
    [call] = calls["calls"]
    assert call["body"] == MENU and call["response"]["errcode"] == 0
    assert len(MENU["button"]) <= 3  # WeChat's limit


def test_wechat_refuses_a_menu_with_four_buttons(bot):
    four = {"button": [{"type": "click", "name": f"按钮{n}", "key": f"K{n}"} for n in range(4)]}
    with pytest.raises(WeChatError) as raised:
        bot.runtime.wechat.create_menu(four)
    assert raised.value.errcode == 40016


def test_bind_code_command_gives_a_code_a_deputy_binds_with(bot, world, cli_env):
    result = cli_env.invoke(main, ["wechat", "bind-code", "严民强"])
    assert result.exit_code == 0, result.output
    code = json.loads(result.output)["code"]
    assert "严民强代表" in Phone(bot).say(f"绑定 {code}")
    refused = cli_env.invoke(main, ["wechat", "bind-code", "章小平"])
    assert refused.exit_code == 1 and "只有人大代表和工作人员" in refused.output


def test_the_sandbox_runs_on_its_own_and_posts_to_a_bot_elsewhere(serve, world, clock, database_url, tmp_path):
    from werkzeug.serving import make_server

    clock.set(datetime.now(UTC))  # the standalone sandbox signs with the real time
    http = make_server("127.0.0.1", 0, app=None, threaded=True)
    sandbox_url = f"http://127.0.0.1:{http.server_port}"
    bot = serve(WECHAT_API_BASE=f"{sandbox_url}/sandbox/api")
    settings = load_settings({"DATABASE_URL": database_url, "MINYI_ENV": "testing",
                              "MINYI_INSTANCE_DIR": str(tmp_path / "sandbox")})
    http.app = create_sandbox_app(settings, bot_url=f"{bot.url}/wechat")
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    try:
        assert "民意直通车" in requests.get(f"{sandbox_url}/sandbox", timeout=10).text
        phone = Phone(bot)
        phone.server = type("Sandbox", (), {"url": sandbox_url})()
        phone.live_on(world.street("hubin").id)
        assert "MY-" in phone.say("祖庙巷51号小区绿化枯萎需要补种")
        assert [case.state for case in bot.cases()] == [CaseState.submitted]
    finally:
        http.shutdown()
        thread.join(timeout=5)
        http.app.extensions["minyi"].dispose()
