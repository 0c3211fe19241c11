"""privacy: retired refresh tokens, contact views, erasure requests

Revision ID: 7a1c3e5b9d20
Revises: 7a3c9e5b1d20
Create Date: 2026-12-03 18:49:54.583939

A replayed refresh token is recognised by its hash among the retired ones (and ends its session);
staff views of a reporter's contact are recorded; a resident's erasure request waits for open cases.
"""
from alembic import op
import sqlalchemy as sa
import server.core.db


revision = '7a1c3e5b9d20'
down_revision = '7a3c9e5b1d20'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('erasure_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('requested_at', server.core.db.UTCDateTime(), nullable=False),
    sa.Column('completed_at', server.core.db.UTCDateTime(), nullable=True),
    sa.Column('cases_anonymised', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_erasure_requests_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_erasure_requests')),
    sa.UniqueConstraint('person_id', name=op.f('uq_erasure_requests_person_id'))
    )
    op.create_table('contact_views',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=False),
    sa.Column('viewer_id', sa.Integer(), nullable=False),
    sa.Column('viewer_role', sa.Enum('resident', 'council_member', 'deputy', 'street_office', 'handling_unit', 'district_committee', 'system', name='role', native_enum=False, length=32), nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('viewed_at', server.core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_contact_views_case_id_cases')),
    sa.ForeignKeyConstraint(['reporter_id'], ['people.id'], name=op.f('fk_contact_views_reporter_id_people')),
    sa.ForeignKeyConstraint(['viewer_id'], ['people.id'], name=op.f('fk_contact_views_viewer_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_views'))
    )
    with op.batch_alter_table('contact_views', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_views_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_contact_views_reporter_id_viewed_at', ['reporter_id', 'viewed_at'], unique=False)
        batch_op.create_index('ix_contact_views_viewer_id_viewed_at', ['viewer_id', 'viewed_at'], unique=False)

    op.create_table('retired_refresh_tokens',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('api_session_id', sa.Integer(), nullable=False),
    sa.Column('retired_at', server.core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['api_session_id'], ['api_sessions.id'], name=op.f('fk_retired_refresh_tokens_api_session_id_api_sessions')),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_retired_refresh_tokens'))
    )
    with op.batch_alter_table('retired_refresh_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_retired_refresh_tokens_api_session_id'), ['api_session_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('retired_refresh_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_retired_refresh_tokens_api_session_id'))

    op.drop_table('retired_refresh_tokens')
    with op.batch_alter_table('contact_views', schema=None) as batch_op:
        batch_op.drop_index('ix_contact_views_viewer_id_viewed_at')
        batch_op.drop_index('ix_contact_views_reporter_id_viewed_at')
        batch_op.drop_index(batch_op.f('ix_contact_views_case_id'))

    op.drop_table('contact_views')
    op.drop_table('erasure_requests')
