"""a host may subscribe to liaison.decision callbacks

Revision ID: 0021
Revises: 0019
Create Date: 2026-12-06 20:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0021'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    # Off for every existing host: its endpoint would not know the new type.
    with op.batch_alter_table('liaison_http_host') as batch:
        batch.add_column(sa.Column('decisions', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('liaison_http_host') as batch:
        batch.drop_column('decisions')
