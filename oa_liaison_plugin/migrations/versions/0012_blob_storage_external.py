"""PostgreSQL stores files out of line without compressing them

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 06:30:00
"""
from alembic import op


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    # Files (.docx, .ofd, .pdf) are compressed already: pglz only spends CPU to find that out. Rows already
    # stored keep their form; new ones are stored out of line as they are (as models.BLOB_STORAGE).
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE liaison_blob ALTER COLUMN data SET STORAGE EXTERNAL")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE liaison_blob ALTER COLUMN data SET STORAGE EXTENDED")
