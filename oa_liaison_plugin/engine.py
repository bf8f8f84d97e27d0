"""PostgreSQL connection settings: the warm connection first, and a ping only for one that sat idle."""
from __future__ import annotations

import time

from sqlalchemy import event, exc


def engine_options(config) -> dict:
    """SQLAlchemy engine options for the configured database (the pool's order and pinging)."""
    options = dict(config["SQLALCHEMY_ENGINE_OPTIONS"])
    if config["DATABASE_URL"].startswith(("sqlite", "postgresql")):
        # SQLite: a local file cannot drop the connection under us. PostgreSQL: `tune` pings idle ones only.
        options.pop("pool_pre_ping", None)
    if config["DATABASE_URL"].startswith("postgresql"):
        # The connection used last is the warm one (its prepared statements, its server process's caches);
        # the others stay idle and are the ones a ping checks.
        options.setdefault("pool_use_lifo", True)
    if config["DATABASE_URL"].startswith("postgresql+psycopg") and "paramstyle" not in options:
        # Statements compiled with PostgreSQL's own $1 placeholders go to psycopg's raw cursor as they are.
        # With %(name)s psycopg rewrites every statement by regular expression, and caches the result only
        # for short ones: a batched INSERT of 1,000 rows (a reminder pass) spent most of its time there.
        from psycopg import RawCursor
        options["paramstyle"] = "numeric_dollar"
        options["connect_args"] = {"cursor_factory": RawCursor, **options.get("connect_args", {})}
    return options


def tune(engine, config) -> None:
    """Fit the engine's pool to PostgreSQL (SQLite and other databases are left as they are)."""
    if engine.dialect.name != "postgresql":
        return
    # An executemany INSERT goes as multi-row INSERTs of 1,000 rows, as one with RETURNING does: psycopg's own
    # executemany sends a statement a row (pipelined, but each parsed, planned and executed on its own),
    # which made a reminder pass's 6,000 messages cost more than its ledger's claims.
    engine.dialect.use_insertmanyvalues_wo_returning = True
    idle = float(config["DB_PING_IDLE_SECONDS"])
    # On a busy machine every round trip after some CPU work costs milliseconds of scheduling, not the
    # 0.1 ms of the network: pool_pre_ping's SELECT on every checkout was the hook's most expensive
    # statement. A connection back in the pool for less than `idle` seconds was working a moment ago;
    # only an older one (a server restart, a firewall's idle timeout) is pinged before use.
    event.listen(engine, "checkin", _stamp)
    event.listen(engine, "checkout", lambda dbapi_conn, record, _: _ping_if_idle(dbapi_conn, record, idle))


def _stamp(dbapi_conn, record) -> None:
    if record is not None:
        record.info["checked_in"] = time.monotonic()


def _ping_if_idle(dbapi_conn, record, idle: float) -> None:
    last = record.info.get("checked_in")
    if last is None or time.monotonic() - last < idle:
        return
    try:
        dbapi_conn.execute("SELECT 1")
        dbapi_conn.rollback()
    except Exception as error:   # the pool replaces the connection and retries the checkout
        raise exc.DisconnectionError(str(error)) from error
