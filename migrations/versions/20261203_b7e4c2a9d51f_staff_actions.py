"""audit: the district's administrative actions (people, places, routing, pushes) for the audit log
(case events by time, which the audit log reads newest first, are indexed by the roll-ups' revision)

Revision ID: b7e4c2a9d51f
Revises: 9f3c2a7d5e61
Create Date: 2026-12-03 19:20:00.000000
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

import server.core.db

revision = 'b7e4c2a9d51f'
down_revision = '9f3c2a7d5e61'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'staff_actions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=False),
        sa.Column('actor_name', sa.String(length=64), nullable=False),
        sa.Column('actor_role', sa.String(length=32), nullable=False),
        sa.Column('action', sa.String(length=32), nullable=False),
        sa.Column('subject_type', sa.String(length=32), nullable=False),
        sa.Column('subject_id', sa.Integer(), nullable=True),
        sa.Column('subject_label', sa.String(length=200), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('data', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'),
                  nullable=False),
        sa.Column('created_at', server.core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['people.id'], name=op.f('fk_staff_actions_actor_id_people')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_actions')),
    )
    op.create_index('ix_staff_actions_created_at', 'staff_actions', ['created_at'])
    op.create_index('ix_staff_actions_actor_id_created_at', 'staff_actions', ['actor_id', 'created_at'])


def downgrade() -> None:
    op.drop_index('ix_staff_actions_actor_id_created_at', table_name='staff_actions')
    op.drop_index('ix_staff_actions_created_at', table_name='staff_actions')
    op.drop_table('staff_actions')
