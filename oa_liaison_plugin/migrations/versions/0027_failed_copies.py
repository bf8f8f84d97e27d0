"""partial indexes for a county's failed copies (pending, with an error), by committee and by unit

Revision ID: 0027
Revises: 0025
Create Date: 2026-12-06 23:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0027'
down_revision = '0025'
branch_labels = None
depends_on = None

# The failed deliveries list tests a county's copies by their recipients (its committees', its units'), not by
# their documents' county: with these it reads the county's failed copies only, never the other counties'
# (at full size the count walked all 89,919 failed copies of the province and probed each one's document).
INDEXES = [
    ("ix_liaison_copy_failed_committee", "liaison_copy", ["committee_id", "id"]),
    ("ix_liaison_copy_failed_unit", "liaison_copy", ["unit_id", "id"]),
]
FAILED = "status = 'pending' AND last_error IS NOT NULL"


def upgrade():
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, postgresql_where=sa.text(FAILED), sqlite_where=sa.text(FAILED))


def downgrade():
    for name, table, _ in INDEXES:
        op.drop_index(name, table_name=table)
