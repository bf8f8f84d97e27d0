"""a version per unit, pattern, rule, host, user and meeting record (optimistic locking of the panel's forms)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-08 03:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

TABLES = ('liaison_unit', 'liaison_unit_pattern', 'liaison_rule', 'liaison_http_host', 'liaison_user',
          'liaison_meeting')


def upgrade():
    # Rows written before this revision are at version 1, as new ones start.
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default=sa.text('1')))


def downgrade():
    for table in reversed(TABLES):
        with op.batch_alter_table(table) as batch:
            batch.drop_column('version')
