"""The database schema: a fresh database is created and stamped; an existing one is upgraded (Alembic)."""
from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from .models import db


def alembic_config(connection=None) -> Config:
    """An Alembic config pointing at the migrations shipped inside the package (no alembic.ini needed)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("oa_liaison_plugin").joinpath("migrations")))
    cfg.attributes["connection"] = connection
    return cfg


def head() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current(connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def ensure_schema() -> str:
    """Bring the database to the current schema; returns what was done (created, upgraded, current)."""
    with db.engine.begin() as conn:
        tables = set(inspect(conn).get_table_names())
        if not any(t.startswith("liaison_") for t in tables):
            # A new database: the models are the schema; record that it is at head.
            db.metadata.create_all(conn)
            command.stamp(alembic_config(conn), "head")
            return "created"
        if current(conn) == head():
            db.metadata.create_all(conn)  # tables of optional parts (e.g. the reference host) only
            return "current"
        command.upgrade(alembic_config(conn), "head")
        return "upgraded"
