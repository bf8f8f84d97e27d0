"""Helpers the test files share: the standard issued notice, the CLI in a real subprocess, copy counts."""
from __future__ import annotations

import contextlib
import datetime as dt
import os
import secrets
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
from functools import lru_cache
from pathlib import Path

EXE = shutil.which("oa-liaison") or str(Path(sys.executable).with_name("oa-liaison"))
KEY = secrets.token_hex(32)
DB_FILE = "oa-liaison.sqlite3"
NOTICE = dict(issuer="南部县教育局", doc_number="南教发〔2017〕12号", title="关于印发《南部县义务教育均衡发展实施方案》的通知",
              main_recipients=["各乡镇人民政府", "县级各部门"], body_paragraphs=["为推进义务教育均衡发展，……"],
              date=dt.date(2017, 3, 5))


def docx(**kw) -> bytes:
    """The county's standard issued notice (南部县教育局, 南教发〔2017〕12号) as a real .docx; ``kw`` overrides."""
    from oa_liaison_plugin.documents.samples import make_issued_docx
    return make_issued_docx(**{**NOTICE, **kw})


def cli_env(instance, *, fresh: bool = False, **extra) -> dict:
    """The environment of a CLI run on ``instance``: none of the test process's own OA_LIAISON_* settings.

    A new SQLite instance starts from a copy of one already made and loaded (schema, the 南部县 table, the
    rules): making it costs each run about a second of CPU, and first start has tests of its own
    (``fresh=True`` keeps the real first start).
    """
    if not fresh:
        seed_instance(instance, extra)
    env = {k: v for k, v in os.environ.items() if not k.startswith("OA_LIAISON_")}
    env.update({"OA_LIAISON_INSTANCE_PATH": str(instance), "OA_LIAISON_SECRET_KEY": KEY, **extra})
    return env


def cli(instance, *args, input_=None, fresh: bool = False, **extra) -> subprocess.CompletedProcess:
    """Run ``oa-liaison ARGS`` in a subprocess on ``instance`` (``extra``: more environment variables)."""
    return subprocess.run([EXE, *args], capture_output=True, text=True, input=input_, timeout=120,
                          env=cli_env(instance, fresh=fresh, **extra))


def seed_instance(instance, env: dict | None = None) -> None:
    """Put a copy of the made and loaded template database in a new default-configured SQLite instance."""
    instance = Path(instance)
    own = {k for k in (env or {}) if k.startswith("OA_LIAISON_")} - {"OA_LIAISON_SECRET_KEY"}
    if own or (instance / DB_FILE).exists() or (instance / "config.py").exists():
        return   # their own database or settings: a first start of their own
    instance.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_template(), instance / DB_FILE)


@lru_cache(maxsize=None)
def _template() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="oa-liaison-template-"))
    done = subprocess.run([EXE, "db", "current"], capture_output=True, text=True, timeout=300,
                          env=cli_env(folder, fresh=True))
    assert done.returncode == 0, done.stderr
    db = folder / DB_FILE
    with sqlite3.connect(db) as conn:   # fold the write-ahead log in: the copy is one file
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA journal_mode=DELETE")
    return db


def copies(app, host_id=None) -> int:
    """How many copies exist (of the document the host calls ``host_id``, if given)."""
    from sqlalchemy import func, select

    from oa_liaison_plugin.models import Copy, Document, db
    with app.app_context():
        q = select(func.count(Copy.id)).join(Document, Document.id == Copy.document_id)
        if host_id is not None:
            q = q.where(Document.host_id == host_id)
        n = db.session.scalar(q)
        db.session.remove()
        return n


def free_port() -> int:
    """A TCP port of 127.0.0.1 nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(env: dict, *args, stderr=subprocess.PIPE) -> tuple[subprocess.Popen, int]:
    """`oa-liaison serve` on a free port; returns once it has said 已在…上监听 (printed after the port is bound),
    so the wait is on that line, not on time. A serve that exits first fails the test with its message."""
    import pytest
    port = free_port()
    proc = subprocess.Popen([EXE, "serve", "--port", str(port), *args], env=env, stdout=subprocess.PIPE,
                            stderr=stderr)
    for line in proc.stdout:   # blocks until serve writes a line, or ends (then the pipe closes)
        if line.startswith("已在 http://".encode()):
            return proc, port
    proc.wait()
    pytest.fail("serve exited: " + (proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""))


@contextlib.contextmanager
def sent_statements(engine):
    """``with sent_statements(engine) as sent:`` the first word of each statement the block sends on ``engine``,
    and COMMIT for each commit SQLAlchemy makes (a statement that commits by itself adds none)."""
    from sqlalchemy import event
    sent: list = []

    def statement(conn, cursor, text, *args):
        sent.append(text.split()[0])

    def commit(conn):
        sent.append("COMMIT")
    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", commit)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "commit", commit)
