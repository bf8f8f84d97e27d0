"""Shared fixtures: a real SQLite file and a real PostgreSQL schema per test, the app, the reference host."""
from __future__ import annotations

import contextlib
import os
import uuid

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
def database(kind: str, folder):
    """A fresh database: a SQLite file in ``folder``, or a PostgreSQL schema dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'liaison.sqlite3'}"
        return
    if not pg_available():
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL on 127.0.0.1:5432 is not reachable (CI must start it)")
        pytest.skip("PostgreSQL not reachable")
    import psycopg
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=test", autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=test", autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=DATABASES)
def db_url(request, tmp_path):
    """A fresh database: a SQLite file, or a PostgreSQL schema dropped afterwards."""
    with database(request.param, tmp_path) as url:
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


def _app(url, instance):
    app = make_app(url, instance)
    yield app
    from oa_liaison_plugin.models import db
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


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
