"""index for the yearly review at province scale: a county's submissions by the day they were received

Revision ID: 0023
Revises: 0019
Create Date: 2026-12-06 21:00:00
"""
from alembic import op


revision = '0023'
down_revision = '0019'
branch_labels = None
depends_on = None

# The review counts a county's submissions received in the year (by committee, by unit, their ratings): with
# (jurisdiction_id, id) alone PostgreSQL read all 30,000 of a county's tasks (11,324 heap blocks, 253 ms cold)
# to keep 3,699; by (jurisdiction_id, received_on) it reads those (1,565 blocks, 3 ms).
INDEXES = [
    ("ix_liaison_submission_received", "liaison_submission", ["jurisdiction_id", "received_on"]),
]


def upgrade():
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade():
    for name, table, _ in INDEXES:
        op.drop_index(name, table_name=table)
