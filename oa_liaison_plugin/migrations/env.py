"""Alembic environment: runs on the connection oa-liaison hands over (see schema.alembic_config)."""
from alembic import context

from oa_liaison_plugin.models import db

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - migrations always run through oa_liaison_plugin.schema
    raise RuntimeError("run migrations through `oa-liaison db upgrade`")
context.configure(connection=connection, target_metadata=db.metadata, render_as_batch=True,
                  # only the product's tables: the reference host's refhost_* tables are not migrated
                  include_object=lambda obj, name, type_, reflected, compare_to:
                  type_ != "table" or name.startswith("liaison_"))
with context.begin_transaction():
    context.run_migrations()
