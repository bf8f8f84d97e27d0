"""indexes for a province in one database: a county's submissions by the day received, a committee's unread copies

Revision ID: 0023
Revises: 0021
Create Date: 2026-12-06 21:00:00
"""
import sqlalchemy as sa
from alembic import op


revision = '0023'
down_revision = '0021'
branch_labels = None
depends_on = None

# The review counts a county's submissions received in the year (by committee, by unit, their ratings): with
# (jurisdiction_id, id) alone PostgreSQL read all 30,000 of a county's tasks (11,324 heap blocks, 253 ms cold)
# to keep 3,699; by (jurisdiction_id, received_on) it reads those (1,565 blocks, 3 ms).
# A committee clerk's unread inbox (and its capped count) read all 19,762 of the committee's copies, 19,328 heap
# blocks, 506 ms, to keep the 8,234 unread; by the partial index 8,161 blocks, 125 ms, and a page 0.4 ms.
INDEXES = [
    ("ix_liaison_submission_received", "liaison_submission", ["jurisdiction_id", "received_on"]),
    ("ix_liaison_copy_unread", "liaison_copy", ["committee_id", "id"]),
]
UNREAD = "read_at IS NULL"


def upgrade():
    for name, table, columns in INDEXES:
        partial = name.endswith("unread")
        where = {"postgresql_where": sa.text(UNREAD), "sqlite_where": sa.text(UNREAD)} if partial else {}
        op.create_index(name, table, columns, **where)


def downgrade():
    for name, table, _ in INDEXES:
        op.drop_index(name, table_name=table)
