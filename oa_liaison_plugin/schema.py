"""The database schema: a fresh database is created and stamped; an existing one is upgraded (Alembic)."""
from __future__ import annotations

import os
from contextlib import contextmanager
from importlib import resources
from typing import Iterator

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

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


@contextmanager
def first_start_lock(engine: Engine) -> Iterator[None]:
    """Hold a lock across processes while the schema is made and the shipped data first loaded.

    Several processes (the panel, the delivery worker, a command) may start together on a new
    database; without it all see no tables and all create them. PostgreSQL: an advisory lock for
    this schema; SQLite: an exclusive file lock beside the database (an exclusive transaction would
    also block this process's own other connections).
    """
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            key = {"k": "oa-liaison first start"}
            conn.execute(text("SELECT pg_advisory_lock(hashtext(:k), hashtext(current_schema()))"), key)
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(hashtext(:k), hashtext(current_schema()))"), key)
        return
    path = engine.url.database if engine.dialect.name == "sqlite" else None
    if not path or path == ":memory:" or path.startswith("file:"):
        yield
        return
    import fcntl
    fd = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # released with the descriptor, also if the process dies
        yield
    finally:
        os.close(fd)


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
