"""Developer tool: write the next Alembic revision by comparing the models with the migrations so far.

Usage: python tools/new_migration.py "what changed"
It builds a throw-away SQLite database from the existing migrations, then autogenerates the
difference to the models into oa_liaison_plugin/migrations/versions/. Read the result before committing.
"""
import sys
import tempfile

from alembic import command
from sqlalchemy import create_engine

import oa_liaison_plugin.reference_host  # noqa: F401  (its tables stay out of the migrations, but load them)
import oa_liaison_plugin.web.models  # noqa: F401
from oa_liaison_plugin.schema import alembic_config


def main(message: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite:///{tmp}/m.sqlite3")
        with engine.begin() as conn:
            cfg = alembic_config(conn)
            command.upgrade(cfg, "head")
            command.revision(cfg, message=message, autogenerate=True)


if __name__ == "__main__":
    main(" ".join(sys.argv[1:]) or "schema change")
