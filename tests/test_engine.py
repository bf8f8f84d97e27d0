"""The connection pool: SQLite is never pinged; PostgreSQL pings only a connection that sat idle."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from conftest import _dispose, make_app, pg_admin
from oa_liaison_plugin.models import db


def test_no_connection_is_pinged_on_every_checkout(app):
    assert "pool_pre_ping" not in app.config["SQLALCHEMY_ENGINE_OPTIONS"]


def _backend_killed(app) -> None:
    """Terminate the server process behind the pool's one idle connection (a server restart, in small)."""
    with app.app_context():
        pid = db.session.scalar(text("SELECT pg_backend_pid()"))
        db.session.remove()
    pg_admin(f"SELECT pg_terminate_backend({pid})")


@pytest.fixture
def pg_app(db_url, tmp_path, request):
    if not db_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's pool")
    app = make_app(db_url, tmp_path / "instance", SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 1},
                   DB_PING_IDLE_SECONDS=request.param)
    yield app
    _dispose(app)


@pytest.mark.parametrize("pg_app", [0], indirect=True)
def test_an_idle_postgresql_connection_whose_server_went_away_is_replaced_before_use(pg_app):
    assert "pool_pre_ping" not in pg_app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    _backend_killed(pg_app)
    with pg_app.app_context():
        assert db.session.scalar(text("SELECT 1")) == 1


@pytest.mark.parametrize("pg_app", [3600], indirect=True)
def test_a_postgresql_connection_used_a_moment_ago_is_not_pinged(pg_app):
    _backend_killed(pg_app)
    with pg_app.app_context():
        with pytest.raises(OperationalError):   # no ping: the dead connection is found by the query itself
            db.session.scalar(text("SELECT 1"))
        db.session.rollback()
        assert db.session.scalar(text("SELECT 1")) == 1   # the pool threw it away; the next one is new


def test_postgresql_statements_go_out_with_their_own_placeholders(app):
    """$1 placeholders through psycopg's raw cursor: a literal %, a repeated parameter, a batched
    INSERT … RETURNING (SQLAlchemy's insertmanyvalues) all work as with %(name)s."""
    from sqlalchemy import insert

    from oa_liaison_plugin.models import EventError, utcnow
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            assert db.engine.dialect.paramstyle == "numeric_dollar"
        assert db.session.scalar(text("SELECT :a || '%' || :a"), {"a": "x"}) == "x%x"
        rows = [dict(at=utcnow(), event="e", code="c", message=f"m{i}", subject=f"s{i}", detail={"i": i})
                for i in range(1200)]
        batched = insert(EventError).returning(EventError.id, EventError.subject,
                                               sort_by_parameter_order=True)
        assert [s for _, s in db.session.execute(batched, rows)] == [f"s{i}" for i in range(1200)]
        like = text("SELECT count(*) FROM liaison_event_error WHERE message LIKE 'm1%'")
        assert db.session.scalar(like) == 311   # m1, m10–m19, m100–m199, m1000–m1199


def _issued_writes(app, document: dict, autocommit: list | None = None) -> list[tuple[str, bool]]:
    """The statements one document_issued sends: (first words, sent in pipeline mode); ``autocommit`` gets, for
    each, whether psycopg sent it outside a transaction (no BEGIN before it)."""
    from sqlalchemy import event
    seen = []
    autocommit = autocommit if autocommit is not None else []

    def note(conn, cursor, statement, parameters, context, executemany):
        seen.append((" ".join(statement.split()[:3]), conn.info.get("pipeline") is not None))
        raw = conn.connection.driver_connection
        autocommit.append(bool(getattr(raw, "autocommit", False)) and raw.info.transaction_status == 0)
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", note)
        try:
            result = app.extensions["oa_liaison"].document_issued(document)
        finally:
            event.remove(db.engine, "before_cursor_execute", note)
    return result, seen


def test_postgresql_sends_the_hot_paths_writes_and_commit_at_once(app):
    """On PostgreSQL the blob, document, decision and copy go out in pipeline mode, answered once with the
    COMMIT; the document takes the id reserved in the first read. SQLite writes as before."""
    from oa_liaison_plugin.documents.samples import make_issued_docx
    from oa_liaison_plugin.models import Copy, Decision, Document
    data = make_issued_docx(issuer="南部县教育局", doc_number="南教发〔2017〕12号",
                            title="关于印发《南部县义务教育均衡发展实施方案》的通知", main_recipients=["各乡镇人民政府"],
                            body_paragraphs=["为推进义务教育均衡发展，制定本方案。"], cc=[], date=dt.date(2017, 3, 5))
    outside = []
    result, seen = _issued_writes(app, {"id": "pipe-1", "file": data}, outside)
    assert result["status"] == "routed", result
    pg = app.config["DATABASE_URL"].startswith("postgresql")
    # the first read: on PostgreSQL sent ahead by libpq itself, outside SQLAlchemy (test_the_first_read_is_…);
    # the writes in one transaction
    first = 0 if pg else 1
    assert pg or seen[0][0].startswith("SELECT liaison_jurisdiction")
    decided = seen[:next(i for i, (words, _) in enumerate(seen) if words.startswith("UPDATE"))]   # before delivery
    assert not any(outside[first:len(decided)])
    inserts = [(words, piped) for words, piped in decided if words.startswith("INSERT")]
    assert [w.split()[2] for w, _ in inserts] == ["liaison_blob", "liaison_document", "liaison_decision",
                                                  "liaison_copy"]
    assert all(piped == pg for _, piped in inserts), inserts
    with app.app_context():
        doc = db.session.scalar(db.select(Document).where(Document.host_id == "pipe-1"))
        assert db.session.scalar(db.select(db.func.count(Decision.id)).where(Decision.document_id == doc.id)) == 1
        assert db.session.scalar(db.select(db.func.count(Copy.id)).where(Copy.document_id == doc.id)) == 1
    again, _ = _issued_writes(app, {"id": "pipe-1", "file": data})
    assert again["duplicate"] is True and again["status"] == "routed"
    third, _ = _issued_writes(app, {"id": "pipe-2", "file": data})
    with app.app_context():
        ids = db.session.execute(db.select(Document.host_id, Document.id).order_by(Document.id)).all()
    assert [h for h, _ in ids] == ["pipe-1", "pipe-2"] and third["status"] == "routed"
    assert ids[1][1] > ids[0][1]   # the duplicate's reserved id is a gap, never reused


def test_a_failure_inside_the_pipeline_is_sqlalchemys_error_and_nothing_is_committed(app):
    """A unique key taken: the error is an IntegrityError (the hook's retry catches exactly that) and the
    block's earlier writes are not committed; the session works again after the rollback."""
    from sqlalchemy import insert
    from sqlalchemy.exc import IntegrityError

    from oa_liaison_plugin.engine import written_and_committed
    from oa_liaison_plugin.models import EventError, Jurisdiction, utcnow
    with app.app_context():
        jid = db.session.scalar(db.select(Jurisdiction.id))
        with pytest.raises(IntegrityError):
            with written_and_committed(db.session):
                conn = db.session.connection()
                conn.execute(insert(EventError.__table__).inline(),
                             dict(at=utcnow(), event="t", code="t", message="before the failure", detail={}))
                # a SELECT in the block is answered at once and sees the block's own write
                assert db.session.scalar(db.select(db.func.count(EventError.id)).where(
                    EventError.message == "before the failure")) == 1
                conn.execute(insert(Jurisdiction.__table__).inline(), dict(id=jid, code="dup", name="重复"))
        db.session.rollback()
        if app.config["DATABASE_URL"].startswith("postgresql"):
            assert db.session.connection().connection.driver_connection.autocommit is False
        assert db.session.scalar(db.select(db.func.count(EventError.id)).where(
            EventError.message == "before the failure")) == 0
        with written_and_committed(db.session):
            db.session.connection().execute(insert(EventError.__table__).inline(),
                                            dict(at=utcnow(), event="t", code="t", message="after", detail={}))
        assert db.session.scalar(db.select(db.func.count(EventError.id)).where(EventError.message == "after")) == 1


def test_without_pipeline_mode_the_hot_path_writes_as_before(app, monkeypatch):
    """A psycopg whose libpq lacks pipeline mode (before 14): the same writes, each answered, then the commit."""
    from oa_liaison_plugin import engine
    from oa_liaison_plugin.documents.samples import make_issued_docx
    monkeypatch.setattr(engine, "_has_pipeline", lambda: False)
    data = make_issued_docx(issuer="南部县教育局", doc_number="南教发〔2017〕13号",
                            title="关于印发《南部县义务教育均衡发展实施方案》的通知", main_recipients=["各乡镇人民政府"],
                            body_paragraphs=["为推进义务教育均衡发展，制定本方案。"], cc=[], date=dt.date(2017, 3, 6))
    result, seen = _issued_writes(app, {"id": "plain-1", "file": data})
    assert result["status"] == "routed", result
    assert not any(piped for _, piped in seen)
    assert sum(words.startswith("INSERT INTO liaison_document") for words, _ in seen) == 1


def _frontend_syncs(raw, fn) -> int:
    """How many times ``fn`` made psycopg's connection ``raw`` wait for the server: the Sync messages it sent
    (libpq's own protocol trace; a Sync ends every query outside pipeline mode, and every batch inside it)."""
    import tempfile

    from psycopg import pq
    with tempfile.TemporaryFile("w+") as trace:
        raw.pgconn.trace(trace.fileno())
        raw.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)
        try:
            fn()
        finally:
            raw.pgconn.untrace()
        trace.seek(0)
        return sum(line.split("\t")[:3:2] == ["F", "Sync"] for line in trace.read().splitlines())


def test_document_issued_waits_for_postgresql_twice(db_url, tmp_path):
    """The first read (outside a transaction), then the BEGIN, the writes and the COMMIT all answered at once:
    psycopg's own BEGIN in pipeline mode was answered alone, a third wait. (Delivery, after the commit, is
    the worker's here.)"""
    from oa_liaison_plugin.documents.samples import make_issued_docx
    from oa_liaison_plugin.models import Document
    data = make_issued_docx(issuer="南部县教育局", doc_number="南教发〔2017〕14号",
                            title="关于印发《南部县义务教育均衡发展实施方案》的通知", main_recipients=["各乡镇人民政府"],
                            body_paragraphs=["为推进义务教育均衡发展，制定本方案。"], cc=[], date=dt.date(2017, 3, 7))
    if not db_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's protocol")
    app = make_app(db_url, tmp_path / "instance", SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 1},
                   DB_PING_IDLE_SECONDS=3600, DELIVER_INLINE=False)
    liaison = app.extensions["oa_liaison"]
    with app.app_context():
        liaison.document_issued({"id": "warm", "file": data})   # the rules and table read once, as on a running host
        raw = db.session.connection().connection.driver_connection   # the pool's one connection
        db.session.commit()
        results = []
        waits = _frontend_syncs(raw, lambda: results.append(liaison.document_issued({"id": "two-waits", "file": data})))
        assert results[0]["status"] == "routed" and waits == 2
        assert raw.autocommit is False and raw.info.transaction_status == 0
        db.session.remove()
        assert db.session.scalar(db.select(Document.status).where(Document.host_id == "two-waits")) == "routed"
    _dispose(app)


def test_an_error_raised_inside_the_block_commits_nothing_and_leaves_the_connection_as_it_was(app):
    """Not a database error: the block's queued writes are rolled back and the connection is back out of
    autocommit, in no transaction, ready for the session's next unit of work."""
    from sqlalchemy import insert

    from oa_liaison_plugin.engine import written_and_committed
    from oa_liaison_plugin.models import EventError, utcnow
    with app.app_context():
        with pytest.raises(ZeroDivisionError):
            with written_and_committed(db.session):
                db.session.connection().execute(insert(EventError.__table__).inline(),
                                                dict(at=utcnow(), event="t", code="t", message="lost", detail={}))
                1 / 0
        db.session.rollback()
        raw = db.session.connection().connection.driver_connection
        if app.config["DATABASE_URL"].startswith("postgresql"):
            assert raw.autocommit is False
        assert db.session.scalar(db.select(db.func.count(EventError.id)).where(EventError.message == "lost")) == 0


def test_a_connection_lost_inside_the_block_is_an_error_and_the_next_unit_of_work_gets_a_new_one(app):
    """The server process behind the connection ends mid-block (a restart): the write fails as SQLAlchemy's error,
    the connection is never reused in autocommit, and the session's next statement runs on a new one."""
    from sqlalchemy import insert
    from sqlalchemy.exc import DBAPIError

    from oa_liaison_plugin.engine import written_and_committed
    from oa_liaison_plugin.models import EventError, utcnow
    if not app.config["DATABASE_URL"].startswith("postgresql"):
        pytest.skip("a PostgreSQL server process")
    with app.app_context():
        with pytest.raises(DBAPIError):
            with written_and_committed(db.session):
                pid = db.session.scalar(text("SELECT pg_backend_pid()"))
                pg_admin(f"SELECT pg_terminate_backend({pid})")
                db.session.connection().execute(insert(EventError.__table__).inline(),
                                                dict(at=utcnow(), event="t", code="t", message="lost", detail={}))
        db.session.rollback()
        raw = db.session.connection().connection.driver_connection
        assert raw.autocommit is False and db.session.scalar(text("SELECT pg_backend_pid()")) != pid
        assert db.session.scalar(db.select(db.func.count(EventError.id)).where(EventError.message == "lost")) == 0


def _issued_sample(number: int) -> bytes:
    from oa_liaison_plugin.documents.samples import make_issued_docx
    return make_issued_docx(issuer="南部县教育局", doc_number=f"南教发〔2017〕{number}号",
                            title="关于印发《南部县义务教育均衡发展实施方案》的通知", main_recipients=["各乡镇人民政府"],
                            body_paragraphs=["为推进义务教育均衡发展，制定本方案。"], cc=[], date=dt.date(2017, 3, 9))


def test_the_first_read_is_answered_by_postgresql_while_the_file_is_read(app, monkeypatch):
    """The jurisdiction's read (which reserves the document's id) goes out before the file is read, and the server
    runs it meanwhile: while the file is being read, another connection already sees the id taken."""
    import select

    import psycopg
    from sqlalchemy.engine import make_url

    from oa_liaison_plugin.decision import route
    from oa_liaison_plugin.models import Document
    if not app.config["DATABASE_URL"].startswith("postgresql"):
        pytest.skip("PostgreSQL's protocol")
    url = make_url(app.config["DATABASE_URL"])
    other = psycopg.connect(host=url.host, port=url.port, user=url.username, dbname=url.database, autocommit=True)
    taken = "SELECT last_value, is_called FROM liaison_document_id_seq"
    seen = []

    def gather_when_the_read_is_answered(liaison, doc):
        # Wait on the condition itself: the server's answer to the read in flight arriving on the hook's own
        # connection (its socket readable; the answer is left for the hook). The timeout bounds a broken build only.
        sock = db.session.connection().connection.driver_connection.pgconn.socket
        select.select([sock], [], [], 120)
        seen.append(other.execute(taken).fetchone())
        return real_gather(liaison, doc)

    real_gather = route.gather
    data = _issued_sample(21)
    with app.app_context():
        app.extensions["oa_liaison"].document_issued({"id": "warm", "file": data})
        monkeypatch.setattr(route, "gather", gather_when_the_read_is_answered)
        seen.append(other.execute(taken).fetchone())
        result = app.extensions["oa_liaison"].document_issued({"id": "ahead", "file": data})
        assert result["status"] == "routed", result
        assert seen[1] != seen[0]   # taken while the file was read, not after
        assert db.session.scalar(db.select(Document.id).where(Document.host_id == "ahead")) == seen[1][0]
    other.close()


def test_a_read_sent_ahead_gives_the_rows_of_the_same_read_done_after(app):
    """``read_ahead``'s row has the values and types SQLAlchemy's own execution gives (the prefixes a list, the
    versions integers), for a jurisdiction with and without the host's document, and None for no row."""
    from oa_liaison_plugin.engine import read_ahead
    from oa_liaison_plugin.runtime import _JURISDICTION_AND_DOCUMENT
    with app.app_context():
        liaison = app.extensions["oa_liaison"]
        liaison.document_issued({"id": "known", "file": _issued_sample(22)})
        for host_id in ("known", "unknown"):
            params = {"code": "nanbu", "host_id": host_id}
            conn = db.session.connection()
            with read_ahead(conn, _JURISDICTION_AND_DOCUMENT, params) as ahead:
                pass
            expected = conn.execute(_JURISDICTION_AND_DOCUMENT, params).one()
            assert tuple(ahead.row) == tuple(expected) and ahead.row._fields == tuple(expected._fields)
            assert isinstance(ahead.row.prefixes, list) and isinstance(ahead.row.table_version, int)
            assert (ahead.row.document_id is None) == (host_id == "unknown")
        nowhere = {"code": "nowhere", "host_id": "x"}
        with read_ahead(db.session.connection(), _JURISDICTION_AND_DOCUMENT, nowhere) as ahead:
            pass
        assert ahead.row is None


def test_a_read_sent_ahead_that_fails_or_outlives_a_failed_block_leaves_the_connection_usable(app):
    """A failing statement comes out as SQLAlchemy's error; a block that raises still has its read collected, so
    the next statement on the connection works (an unread answer would break it)."""
    from sqlalchemy import column, select, table
    from sqlalchemy.exc import DBAPIError

    from oa_liaison_plugin.engine import read_ahead
    from oa_liaison_plugin.runtime import _JURISDICTION_ROW
    with app.app_context():
        with pytest.raises(DBAPIError):
            with read_ahead(db.session.connection(), select(column("x")).select_from(table("no_such_table")), {}):
                pass
        db.session.rollback()
        with pytest.raises(ZeroDivisionError):
            with read_ahead(db.session.connection(), _JURISDICTION_ROW, {"code": "nanbu"}):
                1 / 0
        assert db.session.scalar(text("SELECT 41 + 1")) == 42
        db.session.rollback()


def test_a_connection_lost_before_a_read_ahead_is_an_error_and_the_next_unit_of_work_gets_a_new_one(app):
    from sqlalchemy.exc import DBAPIError

    from oa_liaison_plugin.engine import read_ahead
    from oa_liaison_plugin.runtime import _JURISDICTION_ROW
    if not app.config["DATABASE_URL"].startswith("postgresql"):
        pytest.skip("a PostgreSQL server process")
    with app.app_context():
        pid = db.session.scalar(text("SELECT pg_backend_pid()"))
        db.session.commit()
        pg_admin(f"SELECT pg_terminate_backend({pid})")   # a server restart; the connection was used a moment ago
        with pytest.raises(DBAPIError):
            with read_ahead(db.session.connection(), _JURISDICTION_ROW, {"code": "nanbu"}):
                pass
        db.session.rollback()
        assert db.session.scalar(text("SELECT pg_backend_pid()")) != pid
