"""a host may require the document's file (metadata-only events held)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 02:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    # NULL: the deployment's REQUIRE_FILE decides.
    with op.batch_alter_table('liaison_http_host') as batch:
        batch.add_column(sa.Column('require_file', sa.Boolean(), nullable=True))


def downgrade():
    with op.batch_alter_table('liaison_http_host') as batch:
        batch.drop_column('require_file')
