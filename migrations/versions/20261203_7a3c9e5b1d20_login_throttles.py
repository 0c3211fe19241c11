"""people: failed sign-ins counted per account and per address (the console and /auth/password)

Revision ID: 7a3c9e5b1d20
Revises: 5d2e8f1a7c63
Create Date: 2026-12-03 19:00:00.000000
"""
from alembic import op
import sqlalchemy as sa

import server.core.db

revision = '7a3c9e5b1d20'
down_revision = '5d2e8f1a7c63'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'login_throttles',
        sa.Column('key', sa.String(length=128), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('last_failed_at', server.core.db.UTCDateTime(), nullable=False),
        sa.Column('blocked_until', server.core.db.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_login_throttles')),
    )


def downgrade() -> None:
    op.drop_table('login_throttles')
