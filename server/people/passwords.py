"""Password hashes: werkzeug's format (what the demo and the console write), behind one small adapter
so that the services do not depend on the web stack."""
from __future__ import annotations

from werkzeug.security import check_password_hash


def password_matches(password_hash: str | None, password: str) -> bool:
    return bool(password_hash) and check_password_hash(password_hash, password)
