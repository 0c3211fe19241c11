"""A wheel built from this checkout, installed into a fresh venv, migrates an empty database and serves
every page from its own templates and static files; building it (and an editable install) prints no
setuptools warning banner.

The issue's check, step for step: `pip wheel --no-deps .`, a new venv, `pip install minyi-*.whl`, then
`DATABASE_URL=sqlite:///... minyi db upgrade`. The wheel is built from a copy of the checkout so that
the build's leftovers (build/, minyi.egg-info/) neither litter the checkout nor leak stale files from an
earlier build into this wheel. Dependencies come from pip's cache after the first run.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from server.core.db import Base

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("server", "bot", "miniapp_api", "migrations")
# setuptools frames every warning it prints during a build in lines of `!!` and of asterisks.
BANNER = re.compile(r"^\s*(!!|\*{20,})\s*$|SetuptoolsDeprecationWarning|InformationOnly|_Warning:", re.M)
PAGES_SCRIPT = """
import json, sys
from pathlib import Path
import server
from server import create_app

app = create_app({"DATABASE_URL": sys.argv[1], "MINYI_INSTANCE_DIR": sys.argv[2], "MINYI_SANDBOX": "true"})
client = app.test_client()
pages = {}
for path in ("/dashboard", "/halls/999999", "/sandbox/", "/sandbox/static/sandbox.css",
             "/sandbox/static/sandbox.js"):
    response = client.get(path)
    pages[path] = [response.status_code, response.get_data(as_text=True)[:4000]]
    response.close()
print(json.dumps({"server": str(Path(server.__file__).resolve()), "pages": pages}))
"""


def _run(args, *, cwd, env=None, timeout=900):
    result = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True,
                            timeout=timeout)
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"{' '.join(map(str, args))} failed ({result.returncode}):\n{output}"
    return output


def _banners(output: str) -> list[str]:
    return [line for line in output.splitlines() if BANNER.search(line)]


def _package_data_in_checkout() -> set[str]:
    """Every non-Python file inside the packages' folders the installed code reads: templates, static."""
    found = set()
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*"):
            relative = path.relative_to(ROOT)
            if path.is_file() and path.suffix not in {".py", ".pyc", ".md"} and "__pycache__" not in relative.parts:
                found.add(relative.as_posix())
    return found


def _copy_checkout(target: Path) -> Path:
    ignore = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", "instance",
                                    "node_modules", ".pytest_cache", ".ruff_cache", ".hypothesis", ".peer-venv")
    shutil.copytree(ROOT, target, ignore=ignore)
    return target


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_installed_wheel_migrates_and_serves_pages(tmp_path):
    env = {key: value for key, value in os.environ.items()
           if key not in {"PYTHONPATH", "VIRTUAL_ENV", "DATABASE_URL", "PYTHONHOME"}}
    # The editable install (step 6) needs no wheel: it runs meanwhile, from a copy and into a venv of its own.
    editable_source = _copy_checkout(tmp_path / "src-e")
    venv.create(tmp_path / "e", with_pip=True)
    editable_log = tmp_path / "editable.log"
    with editable_log.open("w") as log:
        editable = subprocess.Popen([tmp_path / "e" / "bin" / "python", "-m", "pip", "install", "-v", "--no-deps",
                                     "-e", editable_source], cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _check_wheel(tmp_path, _copy_checkout(tmp_path / "src"), env)
        assert editable.wait(timeout=900) == 0, editable_log.read_text()
    finally:
        if editable.poll() is None:
            editable.kill()
            editable.wait()
    # 6. An editable install of the same tree builds without a banner too, and imports from the tree.
    editable_output = editable_log.read_text()
    assert _banners(editable_output) == [], "setuptools warned during pip install -e:\n" + editable_output
    located = _run([tmp_path / "e" / "bin" / "python", "-c", "import importlib.util, migrations;"
                    " print(migrations.SCRIPT_LOCATION); print(importlib.util.find_spec('server').origin)"],
                   cwd=tmp_path, env=env).split()
    assert Path(located[0]) == (editable_source / "migrations").resolve()
    assert Path(located[1]).is_relative_to(editable_source.resolve())


def _check_wheel(tmp_path: Path, source: Path, env: dict[str, str]) -> None:
    """Steps 1 to 5: build the wheel from `source`, install it into a new venv, migrate, serve, undo."""
    # 1. pip wheel --no-deps . -w $d/w, verbose so that setuptools' own output is visible.
    build_output = _run([sys.executable, "-m", "pip", "wheel", "-v", "--no-deps", ".", "-w", tmp_path / "w"],
                        cwd=source, env=env)
    assert _banners(build_output) == [], "setuptools warned while building the wheel:\n" + build_output
    (wheel,) = (tmp_path / "w").glob("minyi-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert {"server/templates/dashboard.html", "server/templates/hall_topic.html",
            "server/sandbox/templates/sandbox/chat.html", "server/sandbox/static/sandbox.css",
            "server/sandbox/static/sandbox.js", "migrations/env.py", "migrations/script.py.mako"} <= names
    assert _package_data_in_checkout() <= names, "files in the checkout's packages missing from the wheel"
    versions = {p.relative_to(ROOT).as_posix() for p in (ROOT / "migrations" / "versions").glob("*.py")}
    assert versions <= names
    assert {name.split("/")[0] for name in names if not name.startswith("minyi-")} == set(PACKAGES)

    # 2. python -m venv $d/v && $d/v/bin/pip install $d/w/minyi-*.whl
    venv.create(tmp_path / "v", with_pip=True)
    bin_dir = tmp_path / "v" / "bin"
    _run([bin_dir / "python", "-m", "pip", "install", "-q", wheel], cwd=tmp_path, env=env)

    # 3. DATABASE_URL=sqlite:///$d/x.db $d/v/bin/minyi db upgrade, from a folder with no checkout or ini.
    url = f"sqlite:///{tmp_path / 'x.db'}"
    db_env = {**env, "DATABASE_URL": url, "MINYI_INSTANCE_DIR": str(tmp_path / "instance")}
    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    _run([bin_dir / "minyi", "db", "upgrade"], cwd=workdir, env=db_env)
    assert _tables(url) == set(Base.metadata.tables)
    assert "models and migrations agree" in _run([bin_dir / "minyi", "db", "check"], cwd=workdir, env=db_env)

    # 4. The installed code serves every page from the wheel's templates and static files.
    pages_output = _run([bin_dir / "python", "-c", PAGES_SCRIPT, url, tmp_path / "instance"], cwd=workdir,
                        env=db_env)
    report = json.loads(pages_output.strip().splitlines()[-1])
    assert Path(report["server"]).is_relative_to((tmp_path / "v").resolve()), report["server"]
    pages = report["pages"]
    assert pages["/dashboard"][0] == 200 and "<html" in pages["/dashboard"][1].lower()
    assert pages["/halls/999999"][0] == 404 and "<html" in pages["/halls/999999"][1].lower()
    assert pages["/sandbox/"][0] == 200 and "sandbox.js" in pages["/sandbox/"][1]
    assert pages["/sandbox/static/sandbox.css"][0] == 200
    assert pages["/sandbox/static/sandbox.js"][0] == 200

    # 5. downgrade undoes everything, and check then says the database is behind.
    _run([bin_dir / "minyi", "db", "downgrade"], cwd=workdir, env=db_env)
    assert _tables(url) == set()
    behind = subprocess.run([bin_dir / "minyi", "db", "check"], cwd=workdir, env=db_env, capture_output=True,
                            text=True, timeout=300)
    assert behind.returncode == 1, behind.stdout + behind.stderr
