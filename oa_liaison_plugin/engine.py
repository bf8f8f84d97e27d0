"""PostgreSQL connection settings: the warm connection first, a ping only for one that sat idle, writes sent
together with their commit, and a read sent ahead of the work that does not need its answer."""
from __future__ import annotations

import collections
import contextlib
import functools
import select
import time

from sqlalchemy import event, exc, func


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
    event.listen(engine, "after_cursor_execute", _answer_now)
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


@contextlib.contextmanager
def written_and_committed(session):
    """``with written_and_committed(db.session):`` the block's writes, then the commit.

    On PostgreSQL (psycopg) the statements and the COMMIT are sent in pipeline mode, without waiting for each
    answer, and answered in one round trip: the hot path made seven waits for its five statements. A statement
    whose rows or row count the block may read (a SELECT, a RETURNING, an UPDATE) is answered at once
    (``_answer_now``); a failure comes out at the end as SQLAlchemy's own error (an IntegrityError stays one),
    and nothing is committed.
    """
    conn = session.connection()
    if not _can_pipeline(conn):
        yield
        session.commit()
        return
    raw, info = conn.connection.driver_connection, conn.info   # info: still there if the connection is lost
    # psycopg answers its own BEGIN in pipeline mode before anything else is sent (a wait of its own): when no
    # transaction is open yet, the connection is put in autocommit for the block and the BEGIN queued as ours.
    begin = not raw.autocommit and raw.info.transaction_status == _idle()
    try:
        if begin:
            raw.autocommit = True
        with _pipeline(conn) as pipeline:
            info["pipeline"] = pipeline
            if begin:
                raw.execute(_begin(raw))
            yield
            session.flush()   # nothing pending on the hot path; a caller's ORM rows go in this transaction
            # Queued behind the writes, answered with them at the pipeline's end: the one wait for them all
            # (psycopg's commit() would wait for its own sync, and the pipeline's end again).
            raw.execute("COMMIT")
    finally:
        info.pop("pipeline", None)
        if begin and not raw.closed:
            _out_of_autocommit(raw)
    session.commit()   # the session's own bookkeeping: the server has committed, nothing more is sent


def without_flush_wait(conn) -> None:
    """The connection's open transaction commits without waiting for the WAL's flush (PostgreSQL; queued in a
    pipeline when one is open, no wait of its own); nothing elsewhere."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(NO_FLUSH_WAIT, execution_options={"answer_at_commit": True})


NO_FLUSH_WAIT = "SET LOCAL synchronous_commit TO off"

# The same as a condition of a PostgreSQL statement (its SET LOCAL also holds for a statement that commits by itself):
# put where it is evaluated whenever the statement writes, as the last condition a written row must pass.
NO_FLUSH_WAIT_CONDITION = func.set_config("synchronous_commit", "off", True).is_not(None)


@contextlib.contextmanager
def outside_transaction(conn):
    """The block's statements on psycopg each commit by themselves when no transaction is open yet: a read that
    starts a unit of work (the hot path's first) costs one round trip instead of two (no BEGIN before it)."""
    raw = conn.connection.driver_connection
    if conn.dialect.driver != "psycopg" or raw.autocommit or raw.info.transaction_status != _idle():
        yield
        return
    raw.autocommit = True
    try:
        yield
    finally:
        if not raw.closed:
            raw.autocommit = False


class Ahead:
    """A read sent before the block that does not need its answer: ``row`` is its first row once the block ends."""
    row = None


@contextlib.contextmanager
def read_ahead(conn, statement, params: dict):
    """``with read_ahead(conn, stmt, params) as ahead:`` … then ``ahead.row`` (a named tuple, or None).

    On psycopg the statement goes out at once and the server answers it while the block's Python runs: the hot
    path's first read waited a round trip (the server's own scheduling on a busy machine) before the file was
    read, which needs nothing from it. Elsewhere the statement runs after the block. The block must not use the
    connection (it has a query in flight)."""
    ahead = Ahead()
    sent = _send_ahead(conn, statement, params)
    try:
        yield ahead
    finally:
        if sent is not None:
            ahead.row = _answer_ahead(conn, sent)
    if sent is None:
        row = conn.execute(statement, params).first()
        ahead.row = None if row is None else _row_type(statement)._make(row)


def _send_ahead(conn, statement, params: dict):
    """Send ``statement`` with libpq's own asynchronous call (Parse, Bind, Execute and Sync in one write); None
    where it cannot be sent so (not psycopg, or the connection is in pipeline mode or busy)."""
    if conn.dialect.driver != "psycopg":
        return None
    import psycopg
    from psycopg.adapt import PyFormat, Transformer
    raw = conn.connection.driver_connection
    pgconn = raw.pgconn
    if pgconn.pipeline_status or raw.info.transaction_status not in (_idle(), _in_transaction()):
        return None
    compiled, sql, names = _compiled(statement, conn.dialect)
    values = compiled.construct_params(params)
    tx = Transformer(raw)
    args = tx.dump_sequence([values[n] for n in names], [PyFormat.TEXT] * len(names))
    try:
        pgconn.send_query_params(sql, args, tx.types, tx.formats)
        while pgconn.flush():
            select.select([], [pgconn.socket], [])
    except psycopg.Error as error:
        _lost(conn, raw, error)
    return tx, statement


def _answer_ahead(conn, sent):
    """The sent statement's first row: waits only if the server has not answered yet (without holding the GIL)."""
    import psycopg
    from psycopg import pq
    tx, statement = sent
    raw = conn.connection.driver_connection
    pgconn, results = raw.pgconn, []
    try:
        while True:
            pgconn.consume_input()
            if pgconn.is_busy():
                select.select([pgconn.socket], [], [])
                continue
            result = pgconn.get_result()
            if result is None:
                break
            results.append(result)
    except psycopg.Error as error:
        _lost(conn, raw, error)
    result = results[0] if results else None
    if result is None or result.status != pq.ExecStatus.TUPLES_OK:
        error = psycopg.errors.error_from_result(result, encoding=raw.info.encoding) if result is not None \
            else psycopg.OperationalError(pgconn.get_error_message())
        if pgconn.status != pq.ConnStatus.OK and not raw.closed:
            raw.close()   # the server ended it (a restart): the pool must not hand it out again
        _lost(conn, raw, error)
    if not result.ntuples:
        return None
    tx.set_pgresult(result)
    return tx.load_row(0, _row_type(statement)._make)


def _lost(conn, raw, error):
    """A psycopg error raised as SQLAlchemy's own; a connection lost meanwhile is invalidated (the pool replaces
    it, the session's rollback does not fail)."""
    import psycopg
    if raw.closed and not conn.invalidated:
        conn.invalidate(error)
    raise exc.DBAPIError.instance(None, None, error, psycopg.Error, connection_invalidated=raw.closed) from error


@functools.cache
def _compiled(statement, dialect) -> tuple:
    compiled = statement.compile(dialect=dialect)
    return compiled, compiled.string.encode(), tuple(compiled.positiontup or ())


@functools.cache
def _row_type(statement):
    return collections.namedtuple("Row", list(statement.selected_columns.keys()))


@contextlib.contextmanager
def _pipeline(conn):
    """psycopg's pipeline mode on ``conn``'s connection; a failure comes out of it as SQLAlchemy's own error, and
    a connection lost meanwhile is invalidated (the pool replaces it, the session's rollback does not fail)."""
    import psycopg
    raw = conn.connection.driver_connection
    try:
        with raw.pipeline() as pipeline:
            yield pipeline
    except psycopg.Error as error:
        _lost(conn, raw, error)


def _out_of_autocommit(raw) -> None:
    """The connection as the block found it: in no transaction, not in autocommit; else closed, so the pool
    replaces it (a broken one cannot be rolled back), never reused in autocommit."""
    import psycopg
    try:
        if raw.info.transaction_status != _idle():   # a failed block: its transaction is still open
            raw.rollback()
        raw.autocommit = False
    except psycopg.Error:
        raw.close()


def _begin(raw) -> str:
    """The BEGIN psycopg itself would send (SQLAlchemy sets the connection's isolation level)."""
    from psycopg import IsolationLevel
    level = raw.isolation_level
    return "BEGIN" if level is None else "BEGIN ISOLATION LEVEL " + IsolationLevel(level).name.replace("_", " ")


def _idle():
    from psycopg.pq import TransactionStatus
    return TransactionStatus.IDLE


def _in_transaction():
    from psycopg.pq import TransactionStatus
    return TransactionStatus.INTRANS


def _can_pipeline(conn) -> bool:
    return conn.dialect.driver == "psycopg" and _has_pipeline()


def _has_pipeline() -> bool:
    """Whether psycopg's libpq has pipeline mode (14 and later; psycopg[binary] always has)."""
    import psycopg
    return psycopg.Pipeline.is_supported()


def _answer_now(conn, cursor, statement, parameters, context, executemany) -> None:
    # In pipeline mode psycopg answers a statement only at the next sync: one whose rows or row count may be
    # read (a SELECT, a RETURNING, an UPDATE's matched rows) is answered before SQLAlchemy looks at it. Only
    # plain INSERTs wait for the commit's sync, and a statement whose caller reads its answer after the commit
    # (``answer_at_commit``).
    pipeline = conn.info.get("pipeline")
    if pipeline is not None and not context.execution_options.get("answer_at_commit") and (
            " RETURNING " in statement or statement.lstrip()[:6].upper() != "INSERT"):
        pipeline.sync()
