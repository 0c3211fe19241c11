"""deadline sweep: cases.next_check_at (the sweep's indexed work queue) and case_reminders.pushes

Revision ID: f4e5916f7365
Revises: edd82929b9d6
Create Date: 2026-11-28 18:25:51.376172
"""
from alembic import op
import sqlalchemy as sa
import server.core.db


revision = 'f4e5916f7365'
down_revision = 'edd82929b9d6'
branch_labels = None
depends_on = None

# Cases that may still need the sweep (open or awaiting a rating); the first sweep re-plans them.
PENDING_STATES = ('submitted', 'accepted', 'routed', 'reopened', 'escalated', 'resolved')


def upgrade() -> None:
    # Plain ADD COLUMN on both databases: no table rebuild, so existing rows and foreign keys stay.
    op.add_column('case_reminders', sa.Column('pushes', sa.Integer(), server_default='0', nullable=False))
    op.add_column('cases', sa.Column('next_check_at', server.core.db.UTCDateTime(), nullable=True))
    op.create_index('ix_cases_next_check_at', 'cases', ['next_check_at', 'id'], unique=False,
                    postgresql_where=sa.text('next_check_at IS NOT NULL'),
                    sqlite_where=sa.text('next_check_at IS NOT NULL'))

    cases = sa.table('cases', sa.column('state', sa.String), sa.column('submitted_at'), sa.column('next_check_at'))
    op.execute(cases.update().where(cases.c.state.in_(PENDING_STATES))
               .values(next_check_at=cases.c.submitted_at))


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite >= 3.35 has it): a batch rebuild of `cases` would break the foreign
    # keys that case_events, outbox_messages and others hold on it once the table has rows.
    op.drop_index('ix_cases_next_check_at', table_name='cases')
    op.execute('ALTER TABLE cases DROP COLUMN next_check_at')
    op.execute('ALTER TABLE case_reminders DROP COLUMN pushes')
