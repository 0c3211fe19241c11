"""console case work: assisting units (协办), a unit's assignee, reply templates, open-case work-list indexes

Revision ID: 9c4e2b7a1f35
Revises: 9e4b2c7d1a35
Create Date: 2026-12-03 19:10:00.000000
"""
from alembic import op
import sqlalchemy as sa

import server.core.db

revision = '9c4e2b7a1f35'
down_revision = '9e4b2c7d1a35'
branch_labels = None
depends_on = None

OPEN = sa.text("state IN ('accepted', 'escalated', 'reopened', 'routed', 'submitted')")


def upgrade() -> None:
    # Plain ADD COLUMN, no rebuild of `cases`: SQLite takes the foreign key only inline (Alembic would
    # add it as a separate ALTER, which SQLite has not).
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE cases ADD COLUMN assignee_id INTEGER '
                   'CONSTRAINT fk_cases_assignee_id_people REFERENCES people (id)')
    else:
        op.add_column('cases', sa.Column('assignee_id', sa.Integer(),
                                         sa.ForeignKey('people.id', name=op.f('fk_cases_assignee_id_people')),
                                         nullable=True))
    op.create_index('ix_cases_assignee_id', 'cases', ['assignee_id'])
    for name, columns in (('ix_cases_open_street_deadline', ['street_id', 'deadline_at', 'id']),
                          ('ix_cases_open_unit_deadline', ['handling_unit_id', 'deadline_at', 'id']),
                          ('ix_cases_open_deadline', ['deadline_at', 'id'])):
        op.create_index(name, 'cases', columns, postgresql_where=OPEN, sqlite_where=OPEN)
    op.create_table(
        'case_assisting_units',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('created_at', server.core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_assisting_units_case_id_cases')),
        sa.ForeignKeyConstraint(['unit_id'], ['handling_units.id'],
                                name=op.f('fk_case_assisting_units_unit_id_handling_units')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_case_assisting_units')),
        sa.UniqueConstraint('case_id', 'unit_id', name=op.f('uq_case_assisting_units_case_id_unit_id')),
    )
    op.create_index('ix_case_assisting_units_unit_id', 'case_assisting_units', ['unit_id', 'case_id'])
    op.create_table(
        'reply_templates',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('category_id', sa.Integer(), nullable=True),
        sa.Column('title', sa.String(length=64), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', server.core.db.UTCDateTime(), nullable=False),
        sa.Column('updated_at', server.core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_reply_templates_category_id_categories')),
        sa.ForeignKeyConstraint(['updated_by_id'], ['people.id'], name=op.f('fk_reply_templates_updated_by_id_people')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reply_templates')),
    )
    op.create_index('ix_reply_templates_category_id', 'reply_templates', ['category_id'])


def downgrade() -> None:
    op.drop_index('ix_reply_templates_category_id', table_name='reply_templates')
    op.drop_table('reply_templates')
    op.drop_index('ix_case_assisting_units_unit_id', table_name='case_assisting_units')
    op.drop_table('case_assisting_units')
    for name in ('ix_cases_open_deadline', 'ix_cases_open_unit_deadline', 'ix_cases_open_street_deadline',
                 'ix_cases_assignee_id'):
        op.drop_index(name, table_name='cases')
    # Plain DROP COLUMN (its foreign key goes with it): a batch rebuild of `cases` would break the
    # foreign keys other tables hold on it.
    op.execute('ALTER TABLE cases DROP COLUMN assignee_id')
