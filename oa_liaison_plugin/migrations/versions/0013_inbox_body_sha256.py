"""the inbox keeps each event's body hash (the same webhook-id with another body is a conflict)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 17:35:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    # NULL for events recorded before: they match any body, as they did.
    with op.batch_alter_table('liaison_http_inbox') as batch:
        batch.add_column(sa.Column('body_sha256', sa.String(64), nullable=True))


def downgrade():
    with op.batch_alter_table('liaison_http_inbox') as batch:
        batch.drop_column('body_sha256')
