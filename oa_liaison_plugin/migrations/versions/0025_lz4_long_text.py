"""PostgreSQL compresses a document's text and an event's body with lz4

Revision ID: 0025
Revises: 0023
Create Date: 2026-12-06 23:50:00
"""
from alembic import op

from oa_liaison_plugin.models import LZ4_COLUMNS, lz4_statements


revision = '0025'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    # Rows already stored keep pglz (both stay readable); new values are compressed with lz4, where the server
    # has it (PostgreSQL 14+ built with lz4; elsewhere nothing changes).
    for statement in lz4_statements(op.get_bind()):
        op.execute(statement)


def downgrade():
    if lz4_statements(op.get_bind()):
        for table, column in LZ4_COLUMNS:
            op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET COMPRESSION pglz")
