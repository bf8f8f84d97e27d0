"""Shared by the benchmarks: the `--database-url` argument and the fresh databases a run makes and drops."""
from __future__ import annotations

import argparse
import atexit
import shutil
import sqlite3
import tempfile
import uuid
from pathlib import Path

from sqlalchemy.engine import make_url

LOCAL_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def add_database_url(ap: argparse.ArgumentParser) -> None:
    """`--database-url URL` (and `--pg`, short for the local PostgreSQL server) on a benchmark's parser."""
    ap.add_argument("--database-url", default="sqlite://", metavar="URL",
                    help="where to run: sqlite:// (default: files in a temporary folder) or a PostgreSQL "
                         "URL (the run creates fresh databases on that server beside the one named, and "
                         "drops them)")
    ap.add_argument("--pg", dest="database_url", action="store_const", const=LOCAL_PG,
                    help=f"short for --database-url {LOCAL_PG}")


def is_pg(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


def db_label(url: str) -> str:
    """The name a benchmark prints for the database it ran on."""
    return "PostgreSQL" if is_pg(url) else "SQLite"


def fresh(url: str, name: str = "bench", template: str | None = None, keep: bool = False) -> str:
    """A new, empty database (or a copy of ``template``, a URL this module made) on the server of ``url``:
    a SQLite file in a temporary folder, or a PostgreSQL database; both removed when the benchmark exits
    unless ``keep``."""
    if not is_pg(url):
        folder = Path(tempfile.mkdtemp(prefix="oa-liaison-bench-"))
        if not keep:
            atexit.register(shutil.rmtree, folder, ignore_errors=True)
        path = folder / f"{name}.sqlite3"
        if template:
            with sqlite3.connect(make_url(template).database) as a, sqlite3.connect(path) as b:
                a.backup(b)
        return f"sqlite:///{path}"
    db = f"bench_{name}_{uuid.uuid4().hex[:8]}"
    _admin(url, f"CREATE DATABASE {db}" + (f" TEMPLATE {make_url(template).database}" if template else ""))
    if not keep:
        atexit.register(_admin, url, f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
    return make_url(url).set(database=db).render_as_string(hide_password=False)


def analyze(url: str) -> None:
    """PostgreSQL: gather the planner's statistics after a bulk fill, as autovacuum does on a running
    server (a just-filled table looks empty to the planner until then); SQLite is left as it runs."""
    if is_pg(url):
        _admin(url, "ANALYZE")


def vacuum(url: str, *tables: str) -> None:
    """PostgreSQL: reclaim the rows a benchmark deleted (a --reuse run deletes and writes them again), as
    autovacuum would between real days; SQLite is left as it runs."""
    if is_pg(url):
        _admin(url, f"VACUUM {', '.join(tables)}")


def _admin(url: str, statement: str) -> None:
    import psycopg
    u = make_url(url).set(drivername="postgresql")   # the URL as psycopg takes it
    with psycopg.connect(u.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(statement)
