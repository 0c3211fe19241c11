"""deploy/: every unit starts a command that exists, with options it accepts; gunicorn's configuration is
the one the fault tests serve with (tests/ops/conftest.py)."""
from __future__ import annotations

import configparser
import shlex
import subprocess
import sys

import pytest

from .conftest import ROOT

UNITS = sorted((ROOT / "deploy").glob("minyi-*.service"))


def test_every_unit_is_there():
    assert {unit.name for unit in UNITS} == {"minyi-web.service", "minyi-scheduler.service",
                                             "minyi-replayer.service", "minyi-backup.service"}
    assert (ROOT / "deploy" / "minyi-backup.timer").exists()


@pytest.mark.parametrize("unit", UNITS, ids=[unit.stem for unit in UNITS])
def test_each_units_command_accepts_its_arguments(unit):
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(unit)
    service = parser["Service"]
    assert service["User"] == "minyi" and service["EnvironmentFile"] == "/etc/minyi/minyi.env"
    words = shlex.split(service["ExecStart"])
    if words[0].endswith("/gunicorn"):
        assert words[1:3] == ["-c", "/opt/minyi/deploy/gunicorn.conf.py"] and words[3] == "server:create_app()"
        return
    if words[0] == "/bin/sh":  # the backup's dated file name
        words = shlex.split(words[2].replace("exec ", "").replace("$(date +%%Y%%m%%d-%%H%%M)", "x"))
    assert words[0] == "/opt/minyi/.venv/bin/minyi"
    checked = subprocess.run([sys.executable, "-m", "server.cli", *words[1:], "--help"], cwd=ROOT,
                             capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stderr
