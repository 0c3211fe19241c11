"""deputies: contact stations, profiles, reception days, duty entries and weights

Revision ID: 7f39c0fe2ef4
Revises: a6c1f0d2e4b8
Create Date: 2026-12-03 18:50:00.000000
"""
from alembic import op
import sqlalchemy as sa
import server.core.db
from sqlalchemy.dialects import postgresql

revision = '7f39c0fe2ef4'
down_revision = 'a6c1f0d2e4b8'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('contact_stations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('street_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=True),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('opening_hours', sa.String(length=200), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=True),
    sa.Column('created_at', server.core.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', server.core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_contact_stations_community_id_communities')),
    sa.ForeignKeyConstraint(['street_id'], ['streets.id'], name=op.f('fk_contact_stations_street_id_streets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_stations')),
    sa.UniqueConstraint('name', name=op.f('uq_contact_stations_name'))
    )
    with op.batch_alter_table('contact_stations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_stations_street_id'), ['street_id'], unique=False)

    op.create_table('deputy_communities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_deputy_communities_community_id_communities')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_deputy_communities_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deputy_communities')),
    sa.UniqueConstraint('person_id', 'community_id', name=op.f('uq_deputy_communities_person_id_community_id'))
    )
    with op.batch_alter_table('deputy_communities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deputy_communities_community_id'), ['community_id'], unique=False)

    op.create_table('deputy_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=16), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_role', sa.Enum('resident', 'council_member', 'deputy', 'street_office', 'handling_unit', 'district_committee', 'system', name='role', native_enum=False, length=32), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('data', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', server.core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['people.id'], name=op.f('fk_deputy_events_actor_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deputy_events'))
    )
    with op.batch_alter_table('deputy_events', schema=None) as batch_op:
        batch_op.create_index('ix_deputy_events_subject_subject_id', ['subject', 'subject_id'], unique=False)

    op.create_table('deputy_profiles',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=64), nullable=False),
    sa.Column('introduction', sa.Text(), nullable=True),
    sa.Column('updated_at', server.core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_deputy_profiles_person_id_people')),
    sa.ForeignKeyConstraint(['station_id'], ['contact_stations.id'], name=op.f('fk_deputy_profiles_station_id_contact_stations')),
    sa.PrimaryKeyConstraint('person_id', name=op.f('pk_deputy_profiles'))
    )
    with op.batch_alter_table('deputy_profiles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deputy_profiles_station_id'), ['station_id'], unique=False)

    op.create_table('duty_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('deputy_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('meeting', 'training', 'visit', 'other', name='entrykind', native_enum=False, length=16), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('happened_on', sa.Date(), nullable=False),
    sa.Column('place', sa.String(length=120), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', server.core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['deputy_id'], ['people.id'], name=op.f('fk_duty_entries_deputy_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_duty_entries'))
    )
    with op.batch_alter_table('duty_entries', schema=None) as batch_op:
        batch_op.create_index('ix_duty_entries_deputy_id_happened_on', ['deputy_id', 'happened_on'], unique=False)

    op.create_table('duty_weights',
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('weight', sa.Float(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', server.core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['updated_by_id'], ['people.id'], name=op.f('fk_duty_weights_updated_by_id_people')),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_duty_weights'))
    )
    op.create_table('reception_days',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=False),
    sa.Column('street_id', sa.Integer(), nullable=False),
    sa.Column('topic', sa.String(length=120), nullable=True),
    sa.Column('starts_at', server.core.db.UTCDateTime(), nullable=False),
    sa.Column('ends_at', server.core.db.UTCDateTime(), nullable=False),
    sa.Column('slot_minutes', sa.Integer(), nullable=False),
    sa.Column('slot_capacity', sa.Integer(), nullable=False),
    sa.Column('state', sa.Enum('scheduled', 'held', 'cancelled', name='receptionstate', native_enum=False, length=16), nullable=False),
    sa.Column('cancel_reason', sa.Text(), nullable=True),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.Column('scheduled_by_id', sa.Integer(), nullable=False),
    sa.Column('reminded_at', server.core.db.UTCDateTime(), nullable=True),
    sa.Column('held_at', server.core.db.UTCDateTime(), nullable=True),
    sa.Column('created_at', server.core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['scheduled_by_id'], ['people.id'], name=op.f('fk_reception_days_scheduled_by_id_people')),
    sa.ForeignKeyConstraint(['station_id'], ['contact_stations.id'], name=op.f('fk_reception_days_station_id_contact_stations')),
    sa.ForeignKeyConstraint(['street_id'], ['streets.id'], name=op.f('fk_reception_days_street_id_streets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reception_days'))
    )
    with op.batch_alter_table('reception_days', schema=None) as batch_op:
        batch_op.create_index('ix_reception_days_state_starts_at', ['state', 'starts_at'], unique=False)
        batch_op.create_index('ix_reception_days_station_id_starts_at', ['station_id', 'starts_at'], unique=False)
        batch_op.create_index('ix_reception_days_street_id_starts_at', ['street_id', 'starts_at'], unique=False)

    op.create_table('reception_subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('street_id', sa.Integer(), nullable=False),
    sa.Column('created_at', server.core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_reception_subscriptions_person_id_people')),
    sa.ForeignKeyConstraint(['street_id'], ['streets.id'], name=op.f('fk_reception_subscriptions_street_id_streets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reception_subscriptions')),
    sa.UniqueConstraint('person_id', 'street_id', name=op.f('uq_reception_subscriptions_person_id_street_id'))
    )
    with op.batch_alter_table('reception_subscriptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reception_subscriptions_street_id'), ['street_id'], unique=False)

    op.create_table('duty_entry_photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('attachment_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['attachment_id'], ['attachments.id'], name=op.f('fk_duty_entry_photos_attachment_id_attachments')),
    sa.ForeignKeyConstraint(['entry_id'], ['duty_entries.id'], name=op.f('fk_duty_entry_photos_entry_id_duty_entries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_duty_entry_photos')),
    sa.UniqueConstraint('entry_id', 'attachment_id', name=op.f('uq_duty_entry_photos_entry_id_attachment_id'))
    )
    with op.batch_alter_table('duty_entry_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_duty_entry_photos_entry_id'), ['entry_id'], unique=False)

    op.create_table('reception_bookings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reception_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('slot_at', server.core.db.UTCDateTime(), nullable=True),
    sa.Column('question', sa.Text(), nullable=True),
    sa.Column('state', sa.Enum('booked', 'cancelled', name='bookingstate', native_enum=False, length=16), nullable=False),
    sa.Column('created_at', server.core.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', server.core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_reception_bookings_person_id_people')),
    sa.ForeignKeyConstraint(['reception_id'], ['reception_days.id'], name=op.f('fk_reception_bookings_reception_id_reception_days')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reception_bookings')),
    sa.UniqueConstraint('reception_id', 'person_id', name=op.f('uq_reception_bookings_reception_id_person_id'))
    )
    with op.batch_alter_table('reception_bookings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reception_bookings_person_id'), ['person_id'], unique=False)
        batch_op.create_index('ix_reception_bookings_reception_id_slot_at', ['reception_id', 'slot_at'], unique=False)

    op.create_table('reception_duties',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reception_id', sa.Integer(), nullable=False),
    sa.Column('deputy_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['deputy_id'], ['people.id'], name=op.f('fk_reception_duties_deputy_id_people')),
    sa.ForeignKeyConstraint(['reception_id'], ['reception_days.id'], name=op.f('fk_reception_duties_reception_id_reception_days')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reception_duties')),
    sa.UniqueConstraint('reception_id', 'deputy_id', name=op.f('uq_reception_duties_reception_id_deputy_id'))
    )
    with op.batch_alter_table('reception_duties', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reception_duties_deputy_id'), ['deputy_id'], unique=False)

    op.create_table('reception_visits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reception_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', server.core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['booking_id'], ['reception_bookings.id'], name=op.f('fk_reception_visits_booking_id_reception_bookings')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_reception_visits_person_id_people')),
    sa.ForeignKeyConstraint(['reception_id'], ['reception_days.id'], name=op.f('fk_reception_visits_reception_id_reception_days')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['people.id'], name=op.f('fk_reception_visits_recorded_by_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reception_visits')),
    sa.UniqueConstraint('booking_id', name=op.f('uq_reception_visits_booking_id'))
    )
    with op.batch_alter_table('reception_visits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reception_visits_reception_id'), ['reception_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reception_visits_recorded_by_id'), ['recorded_by_id'], unique=False)

    op.create_table('reception_matters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reception_id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('deputy_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('created_at', server.core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_reception_matters_case_id_cases')),
    sa.ForeignKeyConstraint(['deputy_id'], ['people.id'], name=op.f('fk_reception_matters_deputy_id_people')),
    sa.ForeignKeyConstraint(['reception_id'], ['reception_days.id'], name=op.f('fk_reception_matters_reception_id_reception_days')),
    sa.ForeignKeyConstraint(['visit_id'], ['reception_visits.id'], name=op.f('fk_reception_matters_visit_id_reception_visits')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reception_matters')),
    sa.UniqueConstraint('case_id', name=op.f('uq_reception_matters_case_id'))
    )
    with op.batch_alter_table('reception_matters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reception_matters_deputy_id'), ['deputy_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reception_matters_reception_id'), ['reception_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reception_matters_visit_id'), ['visit_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('reception_matters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reception_matters_visit_id'))
        batch_op.drop_index(batch_op.f('ix_reception_matters_reception_id'))
        batch_op.drop_index(batch_op.f('ix_reception_matters_deputy_id'))

    op.drop_table('reception_matters')
    with op.batch_alter_table('reception_visits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reception_visits_recorded_by_id'))
        batch_op.drop_index(batch_op.f('ix_reception_visits_reception_id'))

    op.drop_table('reception_visits')
    with op.batch_alter_table('reception_duties', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reception_duties_deputy_id'))

    op.drop_table('reception_duties')
    with op.batch_alter_table('reception_bookings', schema=None) as batch_op:
        batch_op.drop_index('ix_reception_bookings_reception_id_slot_at')
        batch_op.drop_index(batch_op.f('ix_reception_bookings_person_id'))

    op.drop_table('reception_bookings')
    with op.batch_alter_table('duty_entry_photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_duty_entry_photos_entry_id'))

    op.drop_table('duty_entry_photos')
    with op.batch_alter_table('reception_subscriptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reception_subscriptions_street_id'))

    op.drop_table('reception_subscriptions')
    with op.batch_alter_table('reception_days', schema=None) as batch_op:
        batch_op.drop_index('ix_reception_days_street_id_starts_at')
        batch_op.drop_index('ix_reception_days_station_id_starts_at')
        batch_op.drop_index('ix_reception_days_state_starts_at')

    op.drop_table('reception_days')
    op.drop_table('duty_weights')
    with op.batch_alter_table('duty_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_duty_entries_deputy_id_happened_on')

    op.drop_table('duty_entries')
    with op.batch_alter_table('deputy_profiles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deputy_profiles_station_id'))

    op.drop_table('deputy_profiles')
    with op.batch_alter_table('deputy_events', schema=None) as batch_op:
        batch_op.drop_index('ix_deputy_events_subject_subject_id')

    op.drop_table('deputy_events')
    with op.batch_alter_table('deputy_communities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deputy_communities_community_id'))

    op.drop_table('deputy_communities')
    with op.batch_alter_table('contact_stations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_stations_street_id'))

    op.drop_table('contact_stations')
