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


def test_0023_adds_the_review_index_and_takes_it_back(db_url):
    wanted = {"ix_liaison_submission_received": ["jurisdiction_id", "received_on"]}
    engine = create_engine(db_url)
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0019")
        assert not set(wanted) & set(_indexes(conn, "liaison_submission"))
        command.upgrade(alembic_config(conn), "0023")
        assert {k: v for k, v in _indexes(conn, "liaison_submission").items() if k in wanted} == wanted
        command.downgrade(alembic_config(conn), "0019")
        assert not set(wanted) & set(_indexes(conn, "liaison_submission"))
    engine.dispose()
