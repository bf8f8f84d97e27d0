"""dead letters (give-up time, redelivery), the hosts' delivery log, the install date, the workers' heartbeat

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 16:30:00
"""
import datetime as dt

from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

LEDGERS = ('liaison_copy', 'liaison_http_notification')


def upgrade():
    for table in LEDGERS:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('retry_since', sa.DateTime(), nullable=True))
            batch.add_column(sa.Column('dead_at', sa.DateTime(), nullable=True))
    op.create_table(
        'liaison_http_call',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('host_id', sa.Integer(), sa.ForeignKey('liaison_http_host.id', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('type', sa.String(64), nullable=False),
        sa.Column('msg_id', sa.String(256), nullable=False),
        sa.Column('status', sa.Integer(), nullable=True),
        sa.Column('ok', sa.Boolean(), nullable=False),
        sa.Column('error', sa.String(500), nullable=True),
        sa.Column('duration_ms', sa.Integer(), nullable=False))
    op.create_index('ix_liaison_http_call_host', 'liaison_http_call', ['host_id', 'id'])
    op.create_table(
        'liaison_installation',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('installed_at', sa.DateTime(), nullable=False))
    op.create_table(
        'liaison_worker',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('name', sa.String(128), nullable=False, unique=True),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('seen_at', sa.DateTime(), nullable=False))
    op.create_index('ix_liaison_worker_seen_at', 'liaison_worker', ['seen_at'])
    # An existing install was installed when its first record was made (its committees were greeted then).
    bind = op.get_bind()
    firsts = [bind.execute(sa.text(f"SELECT MIN({column}) FROM {table}")).scalar() for table, column in (
        ('liaison_audit', 'at'), ('liaison_document', 'received_at'), ('liaison_table_version', 'created_at'))]
    firsts = [_instant(t) for t in firsts if t is not None]
    installed = min(firsts) if firsts else dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    bind.execute(sa.text("INSERT INTO liaison_installation (installed_at) VALUES (:at)"), {"at": installed})


def _instant(value):
    # SQLite hands MIN() of a DateTime column back as text.
    return dt.datetime.fromisoformat(value) if isinstance(value, str) else value


def downgrade():
    op.drop_table('liaison_worker')
    op.drop_table('liaison_installation')
    op.drop_index('ix_liaison_http_call_host', 'liaison_http_call')
    op.drop_table('liaison_http_call')
    for table in reversed(LEDGERS):
        with op.batch_alter_table(table) as batch:
            batch.drop_column('dead_at')
            batch.drop_column('retry_since')
