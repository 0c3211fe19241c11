"""chat: the numbered list a reply showed, so a bare number sent next picks from it

Revision ID: c41a7e2d9b10
Revises: 5d2a8c41e7b9
Create Date: 2026-12-03 16:50:00.000000
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = 'c41a7e2d9b10'
down_revision = '5d2a8c41e7b9'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('inbound_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reply_choices', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('inbound_messages', schema=None) as batch_op:
        batch_op.drop_column('reply_choices')
