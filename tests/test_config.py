from __future__ import annotations

import subprocess
import sys

import pytest

from server.core.settings import ConfigError, load_settings


@pytest.mark.parametrize("variable,value,expected", [
    ("DATABASE_URL", "mysql://localhost/x", "DATABASE_URL: only sqlite and postgresql"),
    ("DATABASE_URL", "::not a url::", "DATABASE_URL: not a database URL"),
    ("REDIS_URL", "localhost:6379", "REDIS_URL: must start with redis://"),
    ("WECHAT_ENCODING_AES_KEY", "short", "WECHAT_ENCODING_AES_KEY: must be the 43-character"),
    ("WECHAT_API_BASE", "ftp://x", "WECHAT_API_BASE: must be an http"),
    ("MINYI_ENV", "staging", "MINYI_ENV:"),
    ("MINYI_REMINDER_HOURS", "24,80", "MINYI_REMINDER_HOURS: hours must lie between 0 and 72"),
])
def test_a_bad_value_names_its_variable(variable, value, expected):
    with pytest.raises(ConfigError) as info:
        load_settings({variable: value})
    assert str(info.value).startswith(expected)
    assert "\n" not in str(info.value)


def test_production_refuses_the_default_secret_key():
    with pytest.raises(ConfigError, match="MINYI_SECRET_KEY"):
        load_settings({"MINYI_ENV": "production"})
    real = {"WECHAT_APP_ID": "wx1", "WECHAT_APP_SECRET": "s", "WECHAT_TOKEN": "t0ken"}
    assert load_settings({"MINYI_ENV": "production", "MINYI_SECRET_KEY": "x" * 40, **real}).env == "production"


def test_production_serves_the_sandbox_only_when_asked():
    base = {"MINYI_ENV": "production", "MINYI_SECRET_KEY": "x" * 40}
    with pytest.raises(ConfigError, match="^WECHAT_APP_ID: production needs"):
        load_settings(base)
    assert load_settings({**base, "MINYI_SANDBOX": "1"}).sandbox_enabled
    with pytest.raises(ConfigError, match="^WECHAT_TOKEN:"):
        load_settings({**base, "WECHAT_APP_ID": "wx1", "WECHAT_APP_SECRET": "s"})


def test_sandbox_is_used_until_real_credentials_are_set():
    sandbox = load_settings({"MINYI_PUBLIC_URL": "http://127.0.0.1:5000"})
    assert sandbox.sandbox_enabled and sandbox.effective_wechat_api_base == "http://127.0.0.1:5000/sandbox/api"
    real = load_settings({"WECHAT_APP_ID": "wx123", "WECHAT_APP_SECRET": "s"})
    assert not real.sandbox_enabled and real.effective_wechat_api_base == "https://api.weixin.qq.com"


def test_the_cli_stops_with_one_line_naming_the_variable(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "WECHAT_ENCODING_AES_KEY": "bad", "HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "server.cli", "db", "check"], env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "minyi: configuration error: WECHAT_ENCODING_AES_KEY: must be the 43-character EncodingAESKey from the "
        "WeChat console"]
