"""a submission's text; messages for the clerks (消息) and who has read them

Revision ID: 0016
Revises: 0014
Create Date: 2026-12-06 16:50:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('liaison_submission') as batch:
        batch.add_column(sa.Column('body', sa.Text(), nullable=True))
    op.create_table(
        'liaison_message',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('jurisdiction_id', sa.Integer(), sa.ForeignKey('liaison_jurisdiction.id', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('unit_id', sa.Integer(), sa.ForeignKey('liaison_unit.id', ondelete='SET NULL'), nullable=True),
        sa.Column('committee_id', sa.Integer(), sa.ForeignKey('liaison_committee.id', ondelete='SET NULL'),
                  nullable=True),
        sa.Column('recipient', sa.JSON(), nullable=False),
        sa.Column('kind', sa.String(16), nullable=False),
        sa.Column('subject', sa.String(512), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('about', sa.String(256), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False))
    op.create_index('ix_liaison_message_unit', 'liaison_message', ['jurisdiction_id', 'unit_id', 'id'])
    op.create_index('ix_liaison_message_committee', 'liaison_message', ['jurisdiction_id', 'committee_id', 'id'])
    op.create_table(
        'liaison_message_read',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('message_id', sa.Integer(), sa.ForeignKey('liaison_message.id', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('user_id', sa.Integer(), sa.ForeignKey('liaison_user.id', ondelete='CASCADE'), nullable=False),
        sa.Column('read_at', sa.DateTime(), nullable=False),
        sa.UniqueConstraint('message_id', 'user_id'))
    op.create_index('ix_liaison_message_read_user_id', 'liaison_message_read', ['user_id'])


def downgrade():
    op.drop_table('liaison_message_read')
    op.drop_table('liaison_message')
    with op.batch_alter_table('liaison_submission') as batch:
        batch.drop_column('body')
