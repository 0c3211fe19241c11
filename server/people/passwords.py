"""Password hashes: werkzeug's format (what the demo and the console write), behind one small adapter
so that the services do not depend on the web stack."""
from __future__ import annotations

import secrets
from functools import cache

from werkzeug.security import check_password_hash, generate_password_hash


def password_matches(password_hash: str | None, password: str) -> bool:
    """Always one hash check, even without a hash, so that a missing account answers as slowly as a wrong password."""
    if not password_hash:
        check_password_hash(_stand_in_hash(), password)
        return False
    return check_password_hash(password_hash, password)


@cache
def _stand_in_hash() -> str:
    return generate_password_hash(secrets.token_hex(16))
