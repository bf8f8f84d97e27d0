"""several counterpart committees per unit: a unit formed by merging units keeps all their committees

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 01:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def _table(name, unique):
    op.create_table(name,
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('unit_id', sa.Integer(), nullable=False),
                    sa.Column('committee_id', sa.Integer(), nullable=False),
                    sa.ForeignKeyConstraint(['committee_id'], ['liaison_committee.id'], ondelete='CASCADE'),
                    sa.ForeignKeyConstraint(['unit_id'], ['liaison_unit.id'], ondelete='CASCADE'),
                    sa.PrimaryKeyConstraint('id'),
                    unique)


def _swap(unique):
    # The old unique constraint on unit_id has no name on SQLite: the table is rebuilt, rows and ids kept.
    _table('liaison_counterpart_new', unique)
    op.execute('INSERT INTO liaison_counterpart_new (id, unit_id, committee_id) '
               'SELECT id, unit_id, committee_id FROM liaison_counterpart')
    op.drop_table('liaison_counterpart')
    op.rename_table('liaison_counterpart_new', 'liaison_counterpart')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("SELECT setval(pg_get_serial_sequence('liaison_counterpart', 'id'), "
                   "COALESCE((SELECT MAX(id) FROM liaison_counterpart), 0) + 1, false)")


def upgrade():
    _swap(sa.UniqueConstraint('unit_id', 'committee_id', name='uq_liaison_counterpart_unit_committee'))


def downgrade():
    op.execute('DELETE FROM liaison_counterpart WHERE id NOT IN '
               '(SELECT MIN(id) FROM liaison_counterpart GROUP BY unit_id)')
    _swap(sa.UniqueConstraint('unit_id'))
