"""Alembic revisions, one file each; a package only so the wheel ships them (Alembic skips this file)."""
