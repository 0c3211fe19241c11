"""Alembic's script directory: env.py, script.py.mako and versions/.

It is a package, shipped in the wheel beside `server`, so `minyi db ...` finds it by import wherever
Minyi is installed (a checkout, an editable install or a wheel) without a working directory or an
alembic.ini. Alembic itself loads env.py and each revision by path, not by import.
"""
from __future__ import annotations

from pathlib import Path

SCRIPT_LOCATION = Path(__file__).resolve().parent
