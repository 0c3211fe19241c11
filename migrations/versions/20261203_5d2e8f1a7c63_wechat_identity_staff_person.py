"""people: a WeChat identity keeps its resident self and links the staff account it was bound to

Revision ID: 5d2e8f1a7c63
Revises: c41a7e2d9b10
Create Date: 2026-12-03 17:00:00.000000
"""
from alembic import op
import sqlalchemy as sa

revision = '5d2e8f1a7c63'
down_revision = 'c41a7e2d9b10'
branch_labels = None
depends_on = None

STAFF_ROLES = ("deputy", "street_office", "handling_unit", "district_committee")


def upgrade() -> None:
    with op.batch_alter_table('wechat_identities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('staff_person_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_wechat_identities_staff_person_id'), ['staff_person_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_wechat_identities_staff_person_id_people'), 'people',
                                    ['staff_person_id'], ['id'])
    # Identities bound before this change point at the staff account itself: it is both their
    # resident self and their staff account (no person is created or moved).
    roles = ", ".join(f"'{role}'" for role in STAFF_ROLES)
    op.execute(f"UPDATE wechat_identities SET staff_person_id = person_id WHERE person_id IN "
               f"(SELECT id FROM people WHERE role IN ({roles}))")


def downgrade() -> None:
    with op.batch_alter_table('wechat_identities', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_wechat_identities_staff_person_id_people'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_wechat_identities_staff_person_id'))
        batch_op.drop_column('staff_person_id')
