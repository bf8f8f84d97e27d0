"""reply tasks: states, rounds, co-handlers, replies with ratings, extensions, the reminder ledger

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 03:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('liaison_submission', sa.Column('state', sa.String(length=16), nullable=False,
                                                  server_default='received'))
    op.add_column('liaison_submission', sa.Column('original_due_on', sa.Date(), nullable=True))
    op.add_column('liaison_submission', sa.Column('round', sa.Integer(), nullable=False, server_default='1'))
    # Existing rows: a replied submission was sent; its deadline was never extended.
    op.execute("UPDATE liaison_submission SET state = 'sent' WHERE status = 'replied'")
    op.execute("UPDATE liaison_submission SET original_due_on = due_on")
    op.create_index('ix_liaison_submission_due', 'liaison_submission', ['status', 'due_on'], unique=False)
    op.create_table('liaison_cohandler',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('unit_name', sa.String(length=256), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('opinion', sa.Text(), nullable=True),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.Column('answered_by', sa.String(length=128), nullable=True),
    sa.ForeignKeyConstraint(['submission_id'], ['liaison_submission.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['liaison_unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('submission_id', 'unit_name')
    )
    op.create_index('ix_liaison_cohandler_due', 'liaison_cohandler', ['status', 'due_on'], unique=False)
    op.create_table('liaison_reply',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('doc_number', sa.String(length=128), nullable=False),
    sa.Column('sent_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=True),
    sa.Column('file_name', sa.String(length=256), nullable=True),
    sa.Column('sent_by', sa.String(length=128), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('rating', sa.String(length=8), nullable=True),
    sa.Column('rating_comment', sa.Text(), nullable=True),
    sa.Column('rated_at', sa.DateTime(), nullable=True),
    sa.Column('rated_by', sa.String(length=128), nullable=True),
    sa.ForeignKeyConstraint(['file_sha256'], ['liaison_blob.sha256'], ),
    sa.ForeignKeyConstraint(['submission_id'], ['liaison_submission.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('submission_id', 'round')
    )
    op.create_table('liaison_extension',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('old_due_on', sa.Date(), nullable=False),
    sa.Column('new_due_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('by', sa.String(length=128), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['submission_id'], ['liaison_submission.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_liaison_extension_submission_id'), 'liaison_extension', ['submission_id'], unique=False)
    op.create_table('liaison_reminder',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('subject', sa.String(length=256), nullable=False),
    sa.Column('recipient_key', sa.String(length=300), nullable=False),
    sa.Column('offset', sa.String(length=64), nullable=False),
    sa.Column('recipient', sa.JSON(), nullable=False),
    sa.Column('title', sa.String(length=512), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=False),
    sa.Column('notified_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['jurisdiction_id'], ['liaison_jurisdiction.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('jurisdiction_id', 'kind', 'subject', 'recipient_key', 'offset',
                        name='uq_liaison_reminder_once')
    )
    op.create_index('ix_liaison_reminder_offset', 'liaison_reminder', ['jurisdiction_id', 'kind', 'offset'],
                    unique=False)


def downgrade():
    op.drop_index('ix_liaison_reminder_offset', table_name='liaison_reminder')
    op.drop_table('liaison_reminder')
    op.drop_index(op.f('ix_liaison_extension_submission_id'), table_name='liaison_extension')
    op.drop_table('liaison_extension')
    op.drop_table('liaison_reply')
    op.drop_index('ix_liaison_cohandler_due', table_name='liaison_cohandler')
    op.drop_table('liaison_cohandler')
    op.drop_index('ix_liaison_submission_due', table_name='liaison_submission')
    with op.batch_alter_table('liaison_submission') as batch:
        batch.drop_column('round')
        batch.drop_column('original_due_on')
        batch.drop_column('state')
