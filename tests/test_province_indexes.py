"""Migrations 0019 and 0023 (a province in one database) apply and revert on SQLite and PostgreSQL."""
from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, inspect

from oa_liaison_plugin.schema import alembic_config

NEW = {"liaison_document": {"ix_liaison_document_jurisdiction": ["jurisdiction_id", "id"]},
       "liaison_submission": {"ix_liaison_submission_jurisdiction": ["jurisdiction_id", "id"],
                              "ix_liaison_submission_open": ["jurisdiction_id", "status", "due_on"]}}


def _indexes(conn, table: str) -> dict:
    return {ix["name"]: ix["column_names"] for ix in inspect(conn).get_indexes(table)}


def test_0019_adds_the_county_indexes_and_takes_them_back(db_url):
    engine = create_engine(db_url)
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0012")
        for table, wanted in NEW.items():
            assert not set(wanted) & set(_indexes(conn, table))
        command.upgrade(alembic_config(conn), "0019")
        for table, wanted in NEW.items():
            assert {k: v for k, v in _indexes(conn, table).items() if k in wanted} == wanted
        command.downgrade(alembic_config(conn), "0012")
        for table, wanted in NEW.items():
            assert not set(wanted) & set(_indexes(conn, table))
    engine.dispose()


def test_0023_adds_the_review_and_unread_indexes_and_takes_them_back(db_url):
    new = {"liaison_submission": {"ix_liaison_submission_received": ["jurisdiction_id", "received_on"]},
           "liaison_copy": {"ix_liaison_copy_unread": ["committee_id", "id"]}}
    engine = create_engine(db_url)
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0019")
        for table, wanted in new.items():
            assert not set(wanted) & set(_indexes(conn, table))
        command.upgrade(alembic_config(conn), "0023")
        for table, wanted in new.items():
            assert {k: v for k, v in _indexes(conn, table).items() if k in wanted} == wanted
        [options] = [ix.get("dialect_options", {}) for ix in inspect(conn).get_indexes("liaison_copy")
                     if ix["name"] == "ix_liaison_copy_unread"]
        where = str(options.get(f"{conn.dialect.name}_where"))
        assert "read_at IS NULL" in where.replace("(", "").replace(")", "")   # partial: the unread copies only
        command.downgrade(alembic_config(conn), "0019")
        for table, wanted in new.items():
            assert not set(wanted) & set(_indexes(conn, table))
    engine.dispose()
