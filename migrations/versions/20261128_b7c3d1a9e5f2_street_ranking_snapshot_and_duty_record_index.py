"""statistics: street_rankings (the panoramic window's snapshot) and the duty record's indexes

Revision ID: b7c3d1a9e5f2
Revises: e90623f3a57e
Create Date: 2026-11-28 21:15:00.000000
"""
from alembic import op
import sqlalchemy as sa
import server.core.db


revision = 'b7c3d1a9e5f2'
down_revision = 'e90623f3a57e'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('street_rankings',
    sa.Column('street_id', sa.Integer(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('band', sa.String(length=8), nullable=False),
    sa.Column('cases', sa.Integer(), nullable=False),
    sa.Column('open', sa.Integer(), nullable=False),
    sa.Column('overdue', sa.Integer(), nullable=False),
    sa.Column('resolved', sa.Integer(), nullable=False),
    sa.Column('resolved_within_72h_rate', sa.Float(), nullable=True),
    sa.Column('satisfaction_rate', sa.Float(), nullable=True),
    sa.Column('response_rate', sa.Float(), nullable=True),
    sa.Column('median_hours_to_resolve', sa.Float(), nullable=True),
    sa.Column('p90_hours_to_resolve', sa.Float(), nullable=True),
    sa.Column('since', server.core.db.UTCDateTime(), nullable=False),
    sa.Column('computed_at', server.core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['street_id'], ['streets.id'], name=op.f('fk_street_rankings_street_id_streets')),
    sa.PrimaryKeyConstraint('street_id', name=op.f('pk_street_rankings'))
    )
    # On PostgreSQL the duty record's figures come from an index-only scan (INCLUDE needs PG >= 11);
    # SQLite ignores postgresql_include and gets a plain index. Building it blocks writes to `cases`
    # for a few seconds at a million rows; a larger live table can have it built beforehand with
    # CREATE INDEX CONCURRENTLY under the same name, which this step then leaves alone.
    op.create_index('ix_cases_accepted_by_id', 'cases', ['accepted_by_id'], unique=False, if_not_exists=True,
                    postgresql_include=['state', 'satisfaction', 'resolved_at'])
    op.create_index('ix_case_events_actor_id_action', 'case_events', ['actor_id', 'action'], unique=False,
                    if_not_exists=True)


def downgrade() -> None:
    op.drop_index('ix_case_events_actor_id_action', table_name='case_events')
    op.drop_index('ix_cases_accepted_by_id', table_name='cases')
    op.drop_table('street_rankings')
