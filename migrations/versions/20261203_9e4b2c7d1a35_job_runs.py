"""operations: the last run of each periodic job (the scheduler lag on /metrics)

Revision ID: 9e4b2c7d1a35
Revises: 7a1c3e5b9d20
Create Date: 2026-12-03 19:10:00.000000
"""
from alembic import op
import sqlalchemy as sa

import server.core.db

revision = '9e4b2c7d1a35'
down_revision = '7a1c3e5b9d20'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'job_runs',
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('started_at', server.core.db.UTCDateTime(), nullable=False),
        sa.Column('finished_at', server.core.db.UTCDateTime(), nullable=False),
        sa.Column('ok', sa.Boolean(), nullable=False),
        sa.Column('seconds', sa.Float(), nullable=False),
        sa.Column('runner', sa.String(length=128), nullable=False),
        sa.Column('last_ok_at', server.core.db.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_job_runs')),
    )


def downgrade() -> None:
    op.drop_table('job_runs')
