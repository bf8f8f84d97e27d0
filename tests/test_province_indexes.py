"""Migrations 0019, 0023 and 0027 (a province in one database) apply and revert on SQLite and PostgreSQL."""
from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, inspect

from oa_liaison_plugin.schema import alembic_config

NEW = {"liaison_document": {"ix_liaison_document_jurisdiction": ["jurisdiction_id", "id"]},
       "liaison_submission": {"ix_liaison_submission_jurisdiction": ["jurisdiction_id", "id"],
                              "ix_liaison_submission_open": ["jurisdiction_id", "status", "due_on"]}}
NEW_0023 = {"liaison_submission": {"ix_liaison_submission_received": ["jurisdiction_id", "received_on"]},
            "liaison_copy": {"ix_liaison_copy_unread": ["committee_id", "id"]}}
NEW_0027 = {"liaison_copy": {"ix_liaison_copy_failed_committee": ["committee_id", "id"],
                             "ix_liaison_copy_failed_unit": ["unit_id", "id"]}}


def _indexes(conn, table: str) -> dict:
    return {ix["name"]: ix["column_names"] for ix in inspect(conn).get_indexes(table)}


def _applies_and_reverts(db_url: str, before: str, revision: str, new: dict, check=None) -> None:
    """Upgrade from ``before`` to ``revision``: ``new``'s indexes appear ({table: {name: columns}}); downgrade: gone."""
    engine = create_engine(db_url)
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), before)
        for table, wanted in new.items():
            assert not set(wanted) & set(_indexes(conn, table))
        command.upgrade(alembic_config(conn), revision)
        for table, wanted in new.items():
            assert {k: v for k, v in _indexes(conn, table).items() if k in wanted} == wanted
        if check:
            check(conn)
        command.downgrade(alembic_config(conn), before)
        for table, wanted in new.items():
            assert not set(wanted) & set(_indexes(conn, table))
    engine.dispose()


def test_0019_adds_the_county_indexes_and_takes_them_back(db_url):
    _applies_and_reverts(db_url, "0012", "0019", NEW)


def test_0023_adds_the_review_and_unread_indexes_and_takes_them_back(db_url):
    _applies_and_reverts(db_url, "0021", "0023", NEW_0023, partial("ix_liaison_copy_unread", "read_at IS NULL"))


def test_0027_adds_the_failed_copies_indexes_and_takes_them_back(db_url):
    def both(conn):
        for name in NEW_0027["liaison_copy"]:
            partial(name, "status = 'pending' AND last_error IS NOT NULL")(conn)
    _applies_and_reverts(db_url, "0023", "0027", NEW_0027, both)


def partial(name: str, condition: str):
    """A check that index ``name`` on liaison_copy covers only the rows meeting ``condition``."""
    def check(conn):
        [options] = [ix.get("dialect_options", {}) for ix in inspect(conn).get_indexes("liaison_copy")
                     if ix["name"] == name]
        where = str(options.get(f"{conn.dialect.name}_where"))
        assert condition in where.replace("(", "").replace(")", "").replace("::text", "")
    return check
