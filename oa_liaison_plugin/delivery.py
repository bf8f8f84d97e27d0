"""The durable copy ledger: pending -> delivered through the host's deliver_copy hook, with retries."""
from __future__ import annotations

import logging
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from flask import has_request_context
from sqlalchemy import insert, select
from sqlalchemy.orm import joinedload

from .engine import outside_transaction
from .lease import Done, Ledger, Retry, run_due
from .models import Blob, Copy, Document, EventError, HttpHost, Jurisdiction, db, utcnow

# Documents decided inside delivered_after(): their copies are offered after the block, not inside it.
_held_back: ContextVar[list | None] = ContextVar("oa_liaison_held_back", default=None)
# The facts of the copy being offered now, read with its batch (see offering()).
_offering: ContextVar[dict | None] = ContextVar("oa_liaison_offering", default=None)


@dataclass
class Offer:
    """A claimed copy: its payload, and the facts a host's delivery reads beside it (read with the batch)."""
    payload: dict
    facts: dict


def offering() -> dict | None:
    """The facts of the copy offered now, read with its batch: ``copy_id``, ``jurisdiction_id``, ``code``,
    ``created_at``, ``committee_id``, ``decided_at`` and ``batch`` (a dict shared by the batch's copies, for
    what a hook reads once a batch); None outside a batch."""
    return _offering.get()


@contextmanager
def delivered_after():
    """Within this block deliver_due only notes the documents (None: all due); the caller delivers after."""
    held: list = []
    token = _held_back.set(held)
    try:
        yield held
    finally:
        _held_back.reset(token)


def record_error(event: str, code: str, message: str, *, subject: str | None = None, detail=None) -> None:
    """Write an EventError on its own connection; the caller's transaction is left exactly as it was."""
    values = dict(event=event, code=code, message=str(message)[:4000], subject=subject, detail=detail or {})
    try:
        write_beside(lambda conn: conn.execute(insert(EventError.__table__), values))
    except Exception as exc:  # the error log must never become the error
        logging.getLogger(__name__).warning("无法记录错误 %s/%s：%s", event, code, type(exc).__name__, exc_info=True)


def write_beside(write) -> None:
    """Run ``write(connection)`` committed on its own, leaving the caller's transaction as it was.

    Its statements are logs (an error; a host's call with the trim of its old calls): on PostgreSQL each
    commits by itself, without a BEGIN and a COMMIT of its own (two round trips a copy's callback waited on),
    and without switching the pooled connection's isolation level back and forth; a trim a crash left undone
    is done by the next call."""
    held = _sqlite_write_in_progress()
    if held is not None:
        # SQLite has one writer and the caller holds it: a second connection would wait for our own
        # caller. Then the write goes into the caller's transaction, inside a savepoint of its own.
        with held.begin_nested():
            write(held)
        return
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as conn, outside_transaction(conn):
            write(conn)
        return
    with db.engine.begin() as conn:
        write(conn)


def _sqlite_write_in_progress():
    """The caller's SQLite connection when its transaction has written (holds the write lock), else None."""
    session = db.session()
    if db.engine.dialect.name != "sqlite" or not session.in_transaction():
        return None
    conn = session.connection()
    return conn if conn.connection.dbapi_connection.in_transaction else None


def payload(copy: Copy, files: dict | None = None) -> dict:
    """What the host's deliver_copy receives (the frozen snapshot plus the file's bytes); ``files``: the bytes
    by sha256, already read."""
    snap = copy.snapshot

    def data(sha):
        if not sha:
            return None
        if files is not None and sha in files:
            return files[sha]
        blob = db.session.get(Blob, sha)
        return blob.data if blob else None
    attachments = [{**a, "data": data(a.get("sha256"))} for a in snap.get("attachments", [])]
    return {**snap, "copy_id": f"copy-{copy.id}", "document_id": snap.get("document_id") or snap["host_id"],
            "committee": copy.committee.name if copy.committee_id else None,
            "unit": copy.unit.name if copy.unit_id else None, "file": data(snap.get("file_sha256")),
            "attachments": attachments, "reasons": copy.reasons}


def _shas(snap: dict) -> list:
    return [snap.get("file_sha256"), *(a.get("sha256") for a in snap.get("attachments", []))]


def _read_claimed(ids: list[int]) -> dict:
    """The claimed copies' offers: the copies with their recipients' names and their documents' facts, then
    their files, two statements for the batch. A copy whose payload cannot be built is left out (its try builds
    it, and fails, alone)."""
    rows = db.session.execute(select(Copy, Document.jurisdiction_id, Document.decided_at, Jurisdiction.code)
                              .join(Document, Document.id == Copy.document_id)
                              .join(Jurisdiction, Jurisdiction.id == Document.jurisdiction_id)
                              .where(Copy.id.in_(ids))
                              .options(joinedload(Copy.committee), joinedload(Copy.unit))).unique().all()
    shas = {sha for r in rows if isinstance(r.Copy.snapshot, dict) for sha in _shas(r.Copy.snapshot) if sha}
    files = dict(db.session.execute(select(Blob.sha256, Blob.data).where(Blob.sha256.in_(shas))).all()) \
        if shas else {}
    claimed, batch = {}, {}
    for copy, jurisdiction_id, decided_at, code in rows:
        try:
            claimed[copy.id] = Offer(payload(copy, files), dict(
                copy_id=copy.id, jurisdiction_id=jurisdiction_id, code=code, created_at=copy.created_at,
                committee_id=copy.committee_id, decided_at=decided_at, batch=batch))
        except Exception:   # noqa: BLE001 - retried, with its error, by the copy's own try
            continue
    return claimed


def _offer(liaison, copy_id: int, claimed: Offer | None = None) -> Done:
    """One try of the copy ledger: the host's deliver_copy hook acknowledges, or the copy is retried."""
    token = _offering.set(claimed.facts if claimed is not None else None)
    try:
        if claimed is None:
            # Its recipient's names come with the row (one statement, not a lazy load each for the payload).
            copy = payload(db.session.get(Copy, copy_id, options=(joinedload(Copy.committee),
                                                                   joinedload(Copy.unit))))
        else:
            copy = claimed.payload
        called = liaison.call("deliver_copy", record=False, copy=copy)
    except Exception as exc:   # building the payload failed: the same as a failed delivery
        raise Retry(f"{type(exc).__name__}: {exc}") from exc
    finally:
        _offering.reset(token)
    ack = called.first()
    if not ack:  # not delivered: back off and retry; never raise to the host
        raise Retry("；".join(e["error"] for e in called.errors) or "没有插件接收此抄送（deliver_copy 未实现或返回空）",
                    {"plugins": [e["plugin"] for e in called.errors]})
    for e in called.errors:   # another implementation accepted it; the failure is still shown
        db.session.add(EventError(event="deliver_copy", code="plugin_error", message=e["text"],
                                  subject=f"copy-{copy_id}", detail={"plugin": e["plugin"]}))
    return Done(dict(status="delivered", ack=str(ack)[:256], delivered_at=utcnow(), last_error=None))


COPIES = Ledger(Copy, _offer, lambda code: Copy.document_id.in_(
    select(Document.id).join(Jurisdiction, Jurisdiction.id == Document.jurisdiction_id)
    .where(Jurisdiction.code == code)), "deliver_copy", lambda row_id: f"copy-{row_id}",
    "delivered", "failed", dies=True, read_claimed=_read_claimed, redone=True)


def deliver_due(liaison, *, limit: int = 100, document_ids=None, jurisdiction: str | None = None) -> dict:
    """Offer every due copy to the host once; returns counts of delivered and failed attempts.

    On a thread that answers a request, when a host is called back over HTTP, the copies go to their
    jurisdiction's background lane instead (``queued`` in the counts): no request waits on another host.
    """
    counts = {"delivered": 0, "failed": 0}
    held = _held_back.get()
    if held is not None:
        held.extend(document_ids if document_ids is not None else [None])
        return counts
    if has_request_context() and _calls_back():
        from .http import lanes
        code = db.session.scalar(select(Jurisdiction.code).join(Document, Document.jurisdiction_id == Jurisdiction.id)
                                 .where(Document.id.in_(document_ids)).limit(1)) if document_ids else None
        lanes.submit(liaison, code or liaison.config["JURISDICTION"], _deliver_in_background, liaison, limit,
                     document_ids)
        return {**counts, "queued": True}
    return run_due(liaison, COPIES, limit=limit, jurisdiction=jurisdiction,
                   where=() if document_ids is None else (Copy.document_id.in_(document_ids),))


def _calls_back() -> bool:
    return db.session.scalar(select(HttpHost.id).where(HttpHost.callback_url.is_not(None)).limit(1)) is not None


def _deliver_in_background(liaison, limit, document_ids) -> None:
    try:
        deliver_due(liaison, limit=limit, document_ids=document_ids)
    except Exception as exc:   # left pending: the worker retries it
        liaison.app.logger.warning("后台投递出错，留给工作进程：%s", type(exc).__name__)
