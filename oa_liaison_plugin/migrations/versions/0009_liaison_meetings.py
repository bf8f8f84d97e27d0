"""liaison meetings (record, minutes, people), liaison leaders, agreed topics, invitations

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 03:17:32
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('liaison_committee_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('committee_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('post', sa.String(length=128), nullable=False),
    sa.Column('leader', sa.Boolean(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['committee_id'], ['liaison_committee.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['liaison_unit.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('committee_id', 'name')
    )
    op.create_table('liaison_leader',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('post', sa.String(length=128), nullable=False),
    sa.Column('phone', sa.String(length=64), nullable=False),
    sa.Column('since', sa.Date(), nullable=False),
    sa.Column('until', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['unit_id'], ['liaison_unit.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('liaison_leader', schema=None) as batch_op:
        batch_op.create_index('ix_liaison_leader_unit', ['unit_id', 'until'], unique=False)

    op.create_table('liaison_invitation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('post', sa.String(length=128), nullable=True),
    sa.Column('organisation', sa.String(length=256), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('committee_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['committee_id'], ['liaison_committee.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['meeting_id'], ['liaison_meeting.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['liaison_unit.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('meeting_id', 'kind', 'name', 'organisation')
    )
    with op.batch_alter_table('liaison_invitation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_liaison_invitation_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('liaison_meeting_person',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('post', sa.String(length=128), nullable=True),
    sa.Column('organisation', sa.String(length=256), nullable=True),
    sa.Column('leader_id', sa.Integer(), nullable=True),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=256), nullable=True),
    sa.ForeignKeyConstraint(['leader_id'], ['liaison_leader.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['meeting_id'], ['liaison_meeting.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['liaison_committee_member.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('liaison_meeting_person', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_liaison_meeting_person_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('liaison_topic',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction_id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('committee_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=512), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('planned_on', sa.Date(), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=True),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.Column('consultation_id', sa.Integer(), nullable=True),
    sa.Column('submission_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['committee_id'], ['liaison_committee.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['consultation_id'], ['liaison_consultation.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['jurisdiction_id'], ['liaison_jurisdiction.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['meeting_id'], ['liaison_meeting.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submission_id'], ['liaison_submission.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['unit_id'], ['liaison_unit.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('liaison_topic', schema=None) as batch_op:
        batch_op.create_index('ix_liaison_topic_year', ['jurisdiction_id', 'year'], unique=False)

    with op.batch_alter_table('liaison_document', schema=None) as batch_op:
        batch_op.create_index('ix_liaison_document_issued', ['jurisdiction_id', 'issued_on'], unique=False)

    with op.batch_alter_table('liaison_meeting', schema=None) as batch_op:
        batch_op.add_column(sa.Column('committee_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('place', sa.String(length=256), nullable=True))
        batch_op.add_column(sa.Column('chair', sa.String(length=256), nullable=True))
        # Meetings recorded before this revision have no topics or decisions: an empty list.
        batch_op.add_column(sa.Column('topics', sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
        batch_op.add_column(sa.Column('decisions', sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
        batch_op.add_column(sa.Column('recorded_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('minutes_sha256', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('minutes_name', sa.String(length=256), nullable=True))
        batch_op.add_column(sa.Column('minutes_at', sa.DateTime(), nullable=True))
        batch_op.create_index('ix_liaison_meeting_held', ['jurisdiction_id', 'kind', 'held_on'], unique=False)
        batch_op.create_foreign_key('fk_liaison_meeting_minutes', 'liaison_blob', ['minutes_sha256'], ['sha256'])
        batch_op.create_foreign_key('fk_liaison_meeting_committee', 'liaison_committee', ['committee_id'], ['id'],
                                    ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('liaison_document', schema=None) as batch_op:
        batch_op.drop_index('ix_liaison_document_issued')

    with op.batch_alter_table('liaison_meeting', schema=None) as batch_op:
        batch_op.drop_constraint('fk_liaison_meeting_committee', type_='foreignkey')
        batch_op.drop_constraint('fk_liaison_meeting_minutes', type_='foreignkey')
        batch_op.drop_index('ix_liaison_meeting_held')
        batch_op.drop_column('minutes_at')
        batch_op.drop_column('minutes_name')
        batch_op.drop_column('minutes_sha256')
        batch_op.drop_column('recorded_at')
        batch_op.drop_column('decisions')
        batch_op.drop_column('topics')
        batch_op.drop_column('chair')
        batch_op.drop_column('place')
        batch_op.drop_column('committee_id')

    with op.batch_alter_table('liaison_topic', schema=None) as batch_op:
        batch_op.drop_index('ix_liaison_topic_year')

    op.drop_table('liaison_topic')
    with op.batch_alter_table('liaison_meeting_person', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_liaison_meeting_person_meeting_id'))

    op.drop_table('liaison_meeting_person')
    with op.batch_alter_table('liaison_invitation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_liaison_invitation_meeting_id'))

    op.drop_table('liaison_invitation')
    with op.batch_alter_table('liaison_leader', schema=None) as batch_op:
        batch_op.drop_index('ix_liaison_leader_unit')

    op.drop_table('liaison_leader')
    op.drop_table('liaison_committee_member')
