"""The connection pool: SQLite is never pinged; PostgreSQL pings only a connection that sat idle."""
from __future__ import annotations

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
