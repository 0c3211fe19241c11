"""statistics: daily roll-ups, ranking schemes and monthly boards (赛马晾晒)

The old street-ranking snapshot (`street_rankings`) goes: the window reads the roll-ups instead.
Also indexes on cases.resolved_at, case_events.created_at and inbound_messages.received_at: the roll-up
reads one day of each by time range.

Revision ID: 9f3c2a7d5e61
Revises: 9c4e2b7a1f35
Create Date: 2026-12-03 18:48:33.938538
"""
from alembic import op
import sqlalchemy as sa
import server.core.db
from sqlalchemy.dialects import postgresql

revision = '9f3c2a7d5e61'
down_revision = '9c4e2b7a1f35'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('activity_days',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('people', sa.Integer(), nullable=False),
    sa.Column('computed_at', server.core.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_activity_days'))
    )
    op.create_table('case_day_figures',
    sa.Column('dimension', sa.String(length=16), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('street_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('received', sa.Integer(), nullable=False),
    sa.Column('responded_12h', sa.Integer(), nullable=False),
    sa.Column('rejected', sa.Integer(), nullable=False),
    sa.Column('resolved', sa.Integer(), nullable=False),
    sa.Column('resolved_72h', sa.Integer(), nullable=False),
    sa.Column('open', sa.Integer(), nullable=False),
    sa.Column('overdue', sa.Integer(), nullable=False),
    sa.Column('open_overdue', sa.Integer(), nullable=False),
    sa.Column('escalated', sa.Integer(), nullable=False),
    sa.Column('reopened', sa.Integer(), nullable=False),
    sa.Column('rated', sa.Integer(), nullable=False),
    sa.Column('satisfied', sa.Integer(), nullable=False),
    sa.Column('resolved_on_day', sa.Integer(), nullable=False),
    sa.Column('resolve_hours', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.PrimaryKeyConstraint('dimension', 'day', 'street_id', 'member_id', name=op.f('pk_case_day_figures'))
    )
    with op.batch_alter_table('case_day_figures', schema=None) as batch_op:
        batch_op.create_index('ix_case_day_figures_day', ['day'], unique=False)

    op.create_table('case_month_figures',
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('dimension', sa.String(length=16), nullable=False),
    sa.Column('street_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('received', sa.Integer(), nullable=False),
    sa.Column('responded_12h', sa.Integer(), nullable=False),
    sa.Column('rejected', sa.Integer(), nullable=False),
    sa.Column('resolved', sa.Integer(), nullable=False),
    sa.Column('resolved_72h', sa.Integer(), nullable=False),
    sa.Column('open', sa.Integer(), nullable=False),
    sa.Column('overdue', sa.Integer(), nullable=False),
    sa.Column('open_overdue', sa.Integer(), nullable=False),
    sa.Column('escalated', sa.Integer(), nullable=False),
    sa.Column('reopened', sa.Integer(), nullable=False),
    sa.Column('rated', sa.Integer(), nullable=False),
    sa.Column('satisfied', sa.Integer(), nullable=False),
    sa.Column('resolved_on_day', sa.Integer(), nullable=False),
    sa.Column('resolve_hours', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.PrimaryKeyConstraint('dimension', 'month', 'street_id', 'member_id', name=op.f('pk_case_month_figures'))
    )
    op.create_table('figure_dirty_days',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('marked_at', server.core.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_figure_dirty_days'))
    )
    op.create_table('figure_watermarks',
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.Column('last_id', sa.Integer(), nullable=False),
    sa.Column('updated_at', server.core.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('source', name=op.f('pk_figure_watermarks'))
    )
    op.create_table('ranking_schemes',
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=64), nullable=False),
    sa.Column('criteria', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('green_at', sa.Float(), nullable=False),
    sa.Column('yellow_at', sa.Float(), nullable=False),
    sa.Column('updated_at', server.core.db.UTCDateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['people.id'], name=op.f('fk_ranking_schemes_updated_by_id_people')),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_ranking_schemes'))
    )
    op.create_table('ranking_boards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scheme_key', sa.String(length=32), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('scheme', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('frozen_at', server.core.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ranking_boards')),
    sa.UniqueConstraint('scheme_key', 'month', name=op.f('uq_ranking_boards_scheme_key_month'))
    )
    op.create_table('ranking_scheme_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scheme_key', sa.String(length=32), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('before', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('after', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', server.core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['people.id'], name=op.f('fk_ranking_scheme_changes_actor_id_people')),
    sa.ForeignKeyConstraint(['scheme_key'], ['ranking_schemes.key'], name=op.f('fk_ranking_scheme_changes_scheme_key_ranking_schemes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ranking_scheme_changes'))
    )
    with op.batch_alter_table('ranking_scheme_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ranking_scheme_changes_scheme_key'), ['scheme_key'], unique=False)

    op.create_table('ranking_board_rows',
    sa.Column('board_id', sa.Integer(), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('subject_name', sa.String(length=128), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('previous_rank', sa.Integer(), nullable=True),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('band', sa.String(length=8), nullable=False),
    sa.Column('figures', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['board_id'], ['ranking_boards.id'], name=op.f('fk_ranking_board_rows_board_id_ranking_boards')),
    sa.PrimaryKeyConstraint('board_id', 'subject_id', name=op.f('pk_ranking_board_rows'))
    )
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.create_index('ix_case_events_created_at', ['created_at'], unique=False)

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_resolved_at', ['resolved_at'], unique=False)

    with op.batch_alter_table('inbound_messages', schema=None) as batch_op:
        batch_op.create_index('ix_inbound_messages_received_at', ['received_at'], unique=False)

    op.drop_table('street_rankings')



def downgrade() -> None:
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
    with op.batch_alter_table('inbound_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_inbound_messages_received_at')

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_resolved_at')

    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.drop_index('ix_case_events_created_at')

    op.drop_table('ranking_board_rows')
    with op.batch_alter_table('ranking_scheme_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ranking_scheme_changes_scheme_key'))

    op.drop_table('ranking_scheme_changes')
    op.drop_table('ranking_boards')
    op.drop_table('ranking_schemes')
    op.drop_table('figure_watermarks')
    op.drop_table('figure_dirty_days')
    with op.batch_alter_table('case_day_figures', schema=None) as batch_op:
        batch_op.drop_index('ix_case_day_figures_day')

    op.drop_table('case_day_figures')
    op.drop_table('case_month_figures')
    op.drop_table('activity_days')
