"""Shared fixtures: a real SQLite file and a real PostgreSQL database per test, the app, the reference host."""
from __future__ import annotations

import atexit
import contextlib
import os
import re
import shutil
import sqlite3
import tempfile
import uuid
from functools import lru_cache
from pathlib import Path

import pytest

PG_URL = os.environ.get("OA_LIAISON_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")

_pg_ok: bool | None = None


def pg_available() -> bool:
    global _pg_ok
    if _pg_ok is None:
        try:
            import psycopg
            with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=test", connect_timeout=3):
                _pg_ok = True
        except Exception:
            _pg_ok = False
    return _pg_ok


DATABASES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@contextlib.contextmanager
def database(kind: str, folder, *, seeded: bool = False):
    """A new database: a SQLite file in ``folder``, or a PostgreSQL database dropped afterwards; empty, or
    ``seeded`` (see ``seed``)."""
    if kind == "sqlite":
        url = f"sqlite:///{folder / 'liaison.sqlite3'}"
        if seeded:
            seed(url)
        yield url
        return
    if not pg_available():
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL on 127.0.0.1:5432 is not reachable (CI must start it)")
        pytest.skip("PostgreSQL not reachable")
    name = _pg_name("t")
    pg_admin(f"CREATE DATABASE {name}" + (f" TEMPLATE {_pg_template()}" if seeded else ""))
    if seeded:
        _seeded.add(name)
    try:
        yield _pg_url(name)
    finally:
        _dropper.drop(name)


class _Dropper:
    """Drops the tests' PostgreSQL databases in the background: a drop waits on the disk, a test need not."""

    def __init__(self):
        import queue
        import threading
        self.queue = queue.Queue()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        atexit.register(self.close)

    def drop(self, name: str) -> None:
        self.queue.put(name)

    def _run(self):
        while (name := self.queue.get()) is not None:
            with contextlib.suppress(Exception):   # a leftover is dropped by the next run (_drop_leftovers)
                pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def close(self):
        self.queue.put(None)
        self.thread.join()


_dropper = _Dropper()
_seeded: set[str] = set()


def pg_admin(*statements: str) -> None:
    """Run statements on the server's ``test`` database, outside a transaction (CREATE/DROP DATABASE)."""
    import psycopg
    with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=test", autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def _pg_name(kind: str) -> str:
    # the pid in the name lets a later run drop what a killed run left behind
    return f"oa_{kind}_{os.getpid()}_{uuid.uuid4().hex[:10]}"


def _pg_url(name: str) -> str:
    from sqlalchemy.engine import make_url
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


def seed(url: str) -> None:
    """Make the new database at ``url`` a copy of one the app has already made and loaded (schema, the
    南部县 table, the rules): making it costs every test one to three seconds, and first start, migrations
    and loading have tests of their own (they build their apps with ``make_app``, which does not seed)."""
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        if not path.exists():
            shutil.copyfile(_sqlite_template(), path)
        return
    from sqlalchemy.engine import make_url
    name = make_url(url).database
    if name not in _seeded:
        pg_admin(f"DROP DATABASE {name} WITH (FORCE)", f"CREATE DATABASE {name} TEMPLATE {_pg_template()}")
        _seeded.add(name)


@lru_cache(maxsize=None)
def _sqlite_template() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="oa-liaison-template-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = folder / "liaison.sqlite3"
    _dispose(make_app(f"sqlite:///{path}", folder / "instance"))
    with contextlib.closing(sqlite3.connect(path)) as conn:   # one file: the write-ahead log folded in
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA journal_mode=DELETE")
    return path


@lru_cache(maxsize=None)
def _pg_template() -> str:
    _drop_leftovers()
    name = _pg_name("tmpl")
    pg_admin(f"CREATE DATABASE {name}")
    atexit.register(pg_admin, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    folder = Path(tempfile.mkdtemp(prefix="oa-liaison-template-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    _dispose(make_app(_pg_url(name), folder / "instance"))   # no connection may stay open on a template
    return name


def _drop_leftovers() -> None:
    """Drop the test databases of runs that were killed before they could clean up."""
    import psycopg
    with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=test", autocommit=True) as conn:
        names = [r[0] for r in conn.execute("SELECT datname FROM pg_database WHERE datname LIKE 'oa\\_%'")]
        for name in names:
            m = re.fullmatch(r"oa_(?:t|tmpl)_(\d+)_[0-9a-f]+", name)
            if m and not _alive(int(m.group(1))):
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


@pytest.fixture(params=DATABASES)
def db_url(request, tmp_path):
    """A new database: a SQLite file, or a PostgreSQL database dropped afterwards; already made and loaded
    when the test takes the ``app`` (which would make and load it), else empty."""
    with database(request.param, tmp_path, seeded="app" in request.fixturenames) as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'liaison.sqlite3'}"


def make_app(url, instance, **config):
    from oa_liaison_plugin import create_app
    # A cheap password hash: the panel's tests create and log in many users (scrypt costs ~0.1 s each).
    test_config = {"DATABASE_URL": url, "TESTING": True, "DELIVERY_BACKOFF_SECONDS": [0],
                   "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", **config}
    app = create_app(test_config, instance_path=instance)
    return app


def _dispose(app) -> None:
    from oa_liaison_plugin.models import db
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _app(url, instance):
    seed(url)
    app = make_app(url, instance)
    yield app
    _dispose(app)


@pytest.fixture
def app(db_url, tmp_path):
    """The app on each database (SQLite file, PostgreSQL schema)."""
    yield from _app(db_url, tmp_path / "instance")


@pytest.fixture
def lite_app(sqlite_url, tmp_path):
    """SQLite only, for tests whose subject is not the database."""
    yield from _app(sqlite_url, tmp_path / "instance")


@pytest.fixture
def liaison(app):
    return app.extensions["oa_liaison"]


@pytest.fixture
def host(liaison):
    from oa_liaison_plugin.reference_host import ReferenceHost
    return ReferenceHost(liaison)


@pytest.fixture
def notice_text() -> str:
    """南委办〔2017〕1号 as shipped in the package's data (the notice importer reads it there too)."""
    from importlib import resources
    return resources.files("oa_liaison_plugin").joinpath("data/notices/nanbu-2017-1.txt").read_text("utf-8")


def upgraded_from(db_url: str, revision: str, seed) -> list:
    """An upgrade test: a fresh database at ``revision`` with one jurisdiction (id 1); ``seed(conn)`` writes the
    old rows and returns a reader; the migrations run to head; returns what the reader reads then."""
    from alembic import command
    from sqlalchemy import create_engine, text

    from oa_liaison_plugin.schema import alembic_config
    engine = create_engine(db_url)
    try:
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn), revision)
            conn.execute(text("INSERT INTO liaison_jurisdiction (id, code, name, prefixes, table_version, "
                              "rules_version, updated_at) VALUES (1, 'nanbu', '南部县', '[]', 1, 1, "
                              "'2017-01-01 00:00:00')"))
            read = seed(conn)
            command.upgrade(alembic_config(conn), "head")
            return read(conn)
    finally:
        engine.dispose()


@pytest.fixture
def served(app):
    """The app answering HTTP on a free local port (a real server in a thread)."""
    from http_host import Served
    s = Served(app)
    yield s
    s.close()
