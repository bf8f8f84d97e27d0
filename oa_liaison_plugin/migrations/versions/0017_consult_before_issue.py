"""Consultations before 签发: the draft offered as a copy of its own kind; stage, position and files of a consultation

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 16:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

# SQLite's constraints have no names: batch mode names them by this convention to drop them.
_NAMES = {"uq": "uq_%(table_name)s_%(column_0_N_name)s"}
_OLD = {"postgresql": ("liaison_copy_document_id_committee_id_key", "liaison_copy_document_id_unit_id_key"),
        "sqlite": ("uq_liaison_copy_document_id_committee_id", "uq_liaison_copy_document_id_unit_id")}


def upgrade():
    dialect = op.get_bind().dialect.name
    old = _OLD.get(dialect, _OLD["postgresql"])
    with op.batch_alter_table('liaison_copy', naming_convention=_NAMES) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=16), server_default='copy', nullable=False))
        for name in old:
            batch_op.drop_constraint(name, type_='unique')
        batch_op.create_unique_constraint('uq_liaison_copy_committee_kind', ['document_id', 'committee_id', 'kind'])
        batch_op.create_unique_constraint('uq_liaison_copy_unit_kind', ['document_id', 'unit_id', 'kind'])
    with op.batch_alter_table('liaison_consultation') as batch_op:
        batch_op.add_column(sa.Column('stage', sa.String(length=8), server_default='after', nullable=False))
        batch_op.add_column(sa.Column('position', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('draft_sha256', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('draft_name', sa.String(length=256), nullable=True))
        batch_op.add_column(sa.Column('attachment_sha256', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('attachment_name', sa.String(length=256), nullable=True))
        batch_op.create_foreign_key('fk_liaison_consultation_draft', 'liaison_blob', ['draft_sha256'], ['sha256'])
        batch_op.create_foreign_key('fk_liaison_consultation_attachment', 'liaison_blob',
                                    ['attachment_sha256'], ['sha256'])


def downgrade():
    with op.batch_alter_table('liaison_consultation') as batch_op:
        batch_op.drop_constraint('fk_liaison_consultation_attachment', type_='foreignkey')
        batch_op.drop_constraint('fk_liaison_consultation_draft', type_='foreignkey')
        for name in ('attachment_name', 'attachment_sha256', 'draft_name', 'draft_sha256', 'position', 'stage'):
            batch_op.drop_column(name)
    with op.batch_alter_table('liaison_copy') as batch_op:
        batch_op.drop_constraint('uq_liaison_copy_unit_kind', type_='unique')
        batch_op.drop_constraint('uq_liaison_copy_committee_kind', type_='unique')
        batch_op.create_unique_constraint('liaison_copy_document_id_committee_id_key', ['document_id', 'committee_id'])
        batch_op.create_unique_constraint('liaison_copy_document_id_unit_id_key', ['document_id', 'unit_id'])
        batch_op.drop_column('kind')
