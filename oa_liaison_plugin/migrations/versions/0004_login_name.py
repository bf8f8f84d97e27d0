"""login_name: the stored, case-folded user name logins compare

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 01:03:24.298472
"""
import unicodedata

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def _key(name):
    # As oa_liaison_plugin.web.models.login_key at the time of writing (a migration must not follow later edits).
    return unicodedata.normalize("NFKC", name.strip()).casefold()


def upgrade():
    with op.batch_alter_table('liaison_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('login_name', sa.String(length=192), nullable=True))
    users = sa.table('liaison_user', sa.column('id', sa.Integer), sa.column('username', sa.String),
                     sa.column('login_name', sa.String))
    conn = op.get_bind()
    seen = set()
    for uid, username in conn.execute(sa.select(users.c.id, users.c.username).order_by(users.c.id)).all():
        key = _key(username)
        # Two names that fold alike could both be created before (SQLite's lower() folds ASCII only):
        # the older keeps the name, the newer logs in only after an administrator renames it.
        name = key if key not in seen else f"{key}#{uid}"
        seen.add(key)
        conn.execute(users.update().where(users.c.id == uid).values(login_name=name))
    with op.batch_alter_table('liaison_user', schema=None) as batch_op:
        batch_op.alter_column('login_name', existing_type=sa.String(length=192), nullable=False)
        batch_op.create_unique_constraint('uq_liaison_user_login_name', ['login_name'])


def downgrade():
    with op.batch_alter_table('liaison_user', schema=None) as batch_op:
        batch_op.drop_constraint('uq_liaison_user_login_name', type_='unique')
        batch_op.drop_column('login_name')
