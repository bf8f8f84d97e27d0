"""The shipped migrations build exactly the models' schema; fresh databases are stamped, old ones upgraded."""
from __future__ import annotations

import pytest

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from oa_liaison_plugin.models import db
from oa_liaison_plugin.schema import alembic_config, current, head


def _ours(obj, name, type_, reflected, compare_to):
    return type_ != "table" or name.startswith("liaison_")


def test_migrations_build_the_models_schema(db_url):
    import oa_liaison_plugin.web.models  # noqa: F401  (the panel's tables are part of the schema)
    engine = create_engine(db_url)
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "head")
        diff = compare_metadata(MigrationContext.configure(conn, opts={"include_object": _ours}), db.metadata)
        assert diff == [], diff
        assert current(conn) == head()
    engine.dispose()


def test_fresh_database_is_created_and_stamped(app):
    with app.app_context():
        with db.engine.connect() as conn:
            assert current(conn) == head()
            assert "liaison_copy" in inspect(conn).get_table_names()


def test_an_older_database_is_upgraded_at_start(db_url, tmp_path):
    from conftest import make_app
    engine = create_engine(db_url)
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "head")
        command.downgrade(alembic_config(conn), "base")  # an empty database that knows Alembic
        conn.execute(text("CREATE TABLE liaison_marker (id INTEGER PRIMARY KEY)"))  # not a fresh database
    engine.dispose()
    app = make_app(db_url, tmp_path / "inst")
    with app.app_context():
        with db.engine.connect() as conn:
            assert current(conn) == head()
        assert app.extensions["oa_liaison"].resolver().resolve("县教育局").resolved
        db.engine.dispose()


def _blob_storage(conn) -> str:
    return conn.execute(text("SELECT attstorage FROM pg_attribute WHERE attrelid = 'liaison_blob'::regclass "
                             "AND attname = 'data'")).scalar()


def test_postgresql_stores_files_uncompressed_in_new_and_upgraded_databases(db_url, tmp_path):
    from conftest import make_app
    if not db_url.startswith("postgresql"):
        return   # SQLite has no storage strategies
    engine = create_engine(db_url)
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0011")
        assert _blob_storage(conn) == "x"   # extended: compressed when it fits
        command.upgrade(alembic_config(conn), "head")
        assert _blob_storage(conn) == "e"   # external: out of line, never compressed
        command.downgrade(alembic_config(conn), "base")
    engine.dispose()
    app = make_app(db_url, tmp_path / "fresh")   # a database made from the models, not the migrations
    with app.app_context(), db.engine.connect() as conn:
        assert _blob_storage(conn) == "e"
        db.engine.dispose()


def _compression(conn) -> dict:
    from oa_liaison_plugin.models import LZ4_COLUMNS
    return {(t, c): conn.execute(text("SELECT attcompression FROM pg_attribute WHERE attrelid = CAST(:t AS regclass) "
                                      "AND attname = :c"), {"t": t, "c": c}).scalar() for t, c in LZ4_COLUMNS}


def test_postgresql_compresses_long_text_with_lz4_in_new_and_upgraded_databases(db_url, tmp_path):
    from conftest import make_app
    from oa_liaison_plugin.models import LZ4_AVAILABLE
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite does not compress")
    engine = create_engine(db_url)
    with engine.begin() as conn:
        if conn.execute(text(LZ4_AVAILABLE)).first() is None:
            pytest.skip("this PostgreSQL server was built without lz4")
        command.upgrade(alembic_config(conn), "0023")
        assert set(_compression(conn).values()) == {""}     # the server's default (pglz)
        command.upgrade(alembic_config(conn), "head")
        assert set(_compression(conn).values()) == {"l"}
        command.downgrade(alembic_config(conn), "0023")
        assert set(_compression(conn).values()) == {"p"}
        command.downgrade(alembic_config(conn), "base")
    engine.dispose()
    app = make_app(db_url, tmp_path / "fresh")   # a database made from the models, not the migrations
    body = "关于印发《南部县义务教育均衡发展实施方案》的通知。" * 800
    with app.app_context():
        with db.engine.connect() as conn:
            assert set(_compression(conn).values()) == {"l"}
        app.extensions["oa_liaison"].document_issued({"id": "long-1", "issuer": "南部县教育局", "title": "通知",
                                                      "body": body})
        with db.engine.connect() as conn:
            stored = conn.execute(text("SELECT body, pg_column_compression(body) FROM liaison_document "
                                       "WHERE host_id = 'long-1'")).one()
        assert stored == (body, "lz4")
        db.engine.dispose()
