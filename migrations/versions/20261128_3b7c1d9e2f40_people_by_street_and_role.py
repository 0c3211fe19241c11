"""people by street and role: the holders of a case (a street's deputies or office) without scanning its residents

Revision ID: 3b7c1d9e2f40
Revises: b7c3d1a9e5f2
Create Date: 2026-11-28 21:20:00
"""
from alembic import op


revision = '3b7c1d9e2f40'
down_revision = 'b7c3d1a9e5f2'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_people_street_id_role', 'people', ['street_id', 'role'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_people_street_id_role', table_name='people')
