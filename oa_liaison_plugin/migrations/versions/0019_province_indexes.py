"""indexes for a province in one database: a county's documents and tasks by id, tasks by due date

Revision ID: 0019
Revises: 0017
Create Date: 2026-12-06 17:30:00
"""
from alembic import op


revision = '0019'
down_revision = '0017'
branch_labels = None
depends_on = None

# With 20 counties in one database, a county's newest rows are 1 in 20 of the table's: lists and counts walk
# these instead of the whole table, and `remind` reads only the county's open tasks in each window.
INDEXES = [
    ("ix_liaison_document_jurisdiction", "liaison_document", ["jurisdiction_id", "id"]),
    ("ix_liaison_submission_jurisdiction", "liaison_submission", ["jurisdiction_id", "id"]),
    ("ix_liaison_submission_open", "liaison_submission", ["jurisdiction_id", "status", "due_on"]),
]


def upgrade():
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade():
    for name, table, _ in INDEXES:
        op.drop_index(name, table_name=table)
