"""The event inbox: record first (the 202), then process through the same in-process events, exactly once."""
from __future__ import annotations

import contextvars
import hashlib
import json
import threading
from contextlib import nullcontext

from sqlalchemy import bindparam, exists, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..delivery import deliver_due, delivered_after
from ..lease import Done, Ledger, add_counts, done_on_answer, run_due, try_one
from ..models import HttpHost, InboxEvent, db, utcnow
from ..decision.decide import host_requires_file
from . import hosts, lanes
from ..inputs.events import TYPES
from .envelope import ApiError, to_mapping
from .fetch import FetchError, fetch

CLI_SENDER = "(cli)"
# The file_url failure of the document being decided now, read by the built-in qualification_signals.
fetch_failure: contextvars.ContextVar[tuple[str, str] | None] = contextvars.ContextVar("fetch_failure", default=None)


def public_id(row_id: int) -> str:
    return f"evt-{row_id}"


class HostGone(Exception):
    """The signing host was removed (by any process) after its signers were cached: nothing was recorded."""


_COLUMNS = ("sender", "webhook_id", "body_sha256", "source", "event_id", "type", "jurisdiction", "body", "status",
            "attempts", "next_attempt_at", "received_at")


def _insert(dialect_insert, host_checked: bool):
    """The inbox row in one statement, nothing read first; with ``host_checked`` only while the host exists."""
    table = InboxEvent.__table__
    stmt = dialect_insert(table)
    if host_checked:   # the signer came from a cache: its host's existence is asked by the same statement
        row = select(*(bindparam(c, type_=table.c[c].type) for c in _COLUMNS)).where(
            exists().where(HttpHost.id == bindparam("host_id")))
        stmt = dialect_insert(table).from_select(_COLUMNS, row)
    return stmt.on_conflict_do_nothing().returning(table.c.id)


_INSERT = {(name, checked): _insert(dialect_insert, checked) for checked in (False, True)
           for name, dialect_insert in (("postgresql", pg_insert), ("sqlite", sqlite_insert))}


# SQLite has one writer: the serving threads take turns here at once, instead of each waiting in SQLite's
# busy handler, which sleeps 1, 2, 5, 10… ms between tries and made the slowest 202s slow.
_sqlite_writer = threading.Lock()


def record(sender: str, event: dict, jurisdiction: str, body: str, webhook_id: str | None = None,
           host_id: int | None = None) -> tuple[int, bool]:
    """The event's inbox row id and whether it was already there (same webhook-id, or same source+id); the
    same webhook-id with another body is refused (ApiError 409 ``idempotency_conflict``).

    ``host_id``: the signer's host, still to be confirmed (its signers were cached): recorded only while it
    exists, else HostGone."""
    now = utcnow()
    digest = hashlib.sha256(body.encode("utf-8")).hexdigest()
    values = dict(sender=sender, webhook_id=webhook_id, body_sha256=digest, source=event["source"],
                  event_id=event["id"],
                  type=event["type"], jurisdiction=jurisdiction, body=body, status="pending", attempts=0,
                  next_attempt_at=now, received_at=now)
    if host_id is not None:
        values["host_id"] = host_id
    engine = db.engine
    if engine.dialect.name == "postgresql":
        # One round trip, committed by the server itself: no BEGIN, no COMMIT of our own (the 202 waits on
        # each), and a statement this short needs no transaction around it.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            new_id = conn.execute(_INSERT["postgresql", host_id is not None], values).scalar()
    else:
        # A connection of its own, not the session's: the ORM's transaction bookkeeping (begin, commit, close)
        # cost more CPU than the INSERT of a 55 KB body itself, and nothing else of the request is in it.
        with _sqlite_writer if engine.dialect.name == "sqlite" else nullcontext(), engine.connect() as conn:
            new_id = conn.execute(_INSERT[engine.dialect.name, host_id is not None], values).scalar()
            if new_id is not None:
                conn.commit()
    if new_id is None:   # a unique key was taken: this is a replay (or the host is gone)
        db.session.rollback()
        if host_id is not None and not hosts.still_there(host_id):
            raise HostGone(sender)
        q = select(InboxEvent.id).where(InboxEvent.sender == sender)
        same_id = db.session.execute(q.add_columns(InboxEvent.body_sha256)
                                     .where(InboxEvent.webhook_id == webhook_id)).first() if webhook_id else None
        found = same_id[0] if same_id else db.session.scalar(q.where(InboxEvent.source == event["source"],
                                                                     InboxEvent.event_id == event["id"]))
        db.session.commit()
        if same_id is not None and same_id[1] not in (None, digest):
            raise ApiError("idempotency_conflict", f"webhook-id {webhook_id[:64]} 已用于另一个请求体（{public_id(found)}）；"
                                                "重试须发送相同的请求体，新消息须用新的 webhook-id")
        return found, True
    return new_id, False


def handle(liaison, event: dict, jurisdiction: str, allowed: list[str]) -> dict:
    """Call the in-process event for a CloudEvent: the same path a Python host takes."""
    data = to_mapping(event, jurisdiction)
    url = data.pop("_file_url", None)
    token = None
    if url and data.get("file") is None:
        try:
            data["file"] = fetch(url, allowed, max_bytes=liaison.config["MAX_UPLOAD_BYTES"],
                                 timeout=liaison.config["FILE_FETCH_TIMEOUT_SECONDS"])
        except FetchError as exc:
            token = fetch_failure.set((str(data.get("id")), str(exc)))
    try:
        return getattr(liaison, TYPES[event["type"]])(data) or {}
    finally:
        if token is not None:
            fetch_failure.reset(token)


# The event and its sender's settings in one statement (a CLI event, or a removed host's, has none).
_EVENT_AND_SENDER = select(InboxEvent.id, InboxEvent.body, InboxEvent.jurisdiction, HttpHost.allow_origins,
                           HttpHost.require_file).outerjoin(HttpHost, HttpHost.name == InboxEvent.sender)


def _read_claimed(ids: list[int]) -> dict:
    """The claimed events and their senders' settings, the whole batch in one statement."""
    return {row.id: row for row in db.session.execute(_EVENT_AND_SENDER.where(InboxEvent.id.in_(ids)))}


def _process_claimed(liaison, row_id: int, claimed=None) -> Done:
    """One try of the inbox: the event through the in-process events; its copies offered once it is done."""
    row = claimed
    if row is None:
        row = db.session.execute(_EVENT_AND_SENDER.where(InboxEvent.id == row_id)).one()
        db.session.commit()   # end the read: the event's own transactions follow (the row is not read again)
    event, jurisdiction = json.loads(row.body), row.jurisdiction
    allowed, require_file = list(row.allow_origins or []), row.require_file
    body = _slim(event)
    if event.get("type") == "document.issued":
        # The decision's own transaction marks the event done with its answer (the same values as below).
        done_on_answer(lambda answer: _done_values(answer, None, body))
    token = host_requires_file.set(require_file)
    try:
        with delivered_after() as held:   # callbacks wait until the event is done, outside its lease
            result = handle(liaison, event, jurisdiction, allowed)
        error = None
    except ApiError as exc:   # checked on receipt; only a host's later change (e.g. removed) gets here: final
        result, error = {"status": "error", "error": str(exc)}, str(exc)
    finally:
        host_requires_file.reset(token)
    return Done(_done_values(result, error, body),
                then=(lambda: deliver_due(liaison, limit=50, document_ids=None if None in held else held))
                if held else None)


def _slim(event: dict) -> str:
    """The event's body as kept once it is done: without its inline file and attachments' bytes."""
    slim = dict(event, data={k: v for k, v in event["data"].items() if k != "file_base64"}) \
        if isinstance(event.get("data"), dict) else event
    if isinstance(slim.get("data"), dict) and isinstance(slim["data"].get("attachments"), list):
        slim["data"]["attachments"] = [{k: v for k, v in a.items() if k != "data_base64"} if isinstance(a, dict)
                                       else a for a in slim["data"]["attachments"]]
    return json.dumps(slim, ensure_ascii=False)


def _done_values(result, error: str | None, body: str) -> dict:
    """A processed event's columns: its answer (as JSON), its error, its slim body."""
    return dict(status="done", result=json.loads(json.dumps(result or {}, default=str)), last_error=error,
                processed_at=utcnow(), body=body)


EVENTS = Ledger(InboxEvent, _process_claimed, lambda code: InboxEvent.jurisdiction == code, "http_event",
                public_id, "events", "events_failed", read_claimed=_read_claimed)


def process(liaison, row_id: int) -> str | None:
    """Process one recorded event if nobody else holds it; returns done/failed, or None when not claimed."""
    done = try_one(liaison, EVENTS, row_id)
    return None if done is None else "done" if done else "failed"


def process_due(liaison, *, limit: int = 50, jurisdiction: str | None = None) -> dict:
    """Process every due event (of one jurisdiction, if named) once; counts done and failed.

    The batch's copies are claimed and offered together once its events are done (one claim, not one per
    document); each event's copies are committed with its decision, so none is lost if the batch stops."""
    with delivered_after() as held:
        counts = run_due(liaison, EVENTS, limit=limit, jurisdiction=jurisdiction)
    if held:
        add_counts(counts, deliver_due(liaison, limit=max(100, 4 * len(held)),
                                       document_ids=None if None in held else held))
    return counts


def status_of(row_id: int) -> dict | None:
    row = db.session.get(InboxEvent, row_id)
    if row is None:
        return None
    return {"id": public_id(row.id), "status": "processed" if row.status == "done" else "accepted",
            "type": row.type, "result": row.result, "error": row.last_error}


def after_commit(liaison, row_id: int, jurisdiction: str) -> None:
    """Process a just-recorded event on its jurisdiction's lane of this process; the worker takes what is left."""
    lanes.submit(liaison, jurisdiction, _safe_process, liaison, row_id)


def _safe_process(liaison, row_id):
    try:
        process(liaison, row_id)
    except Exception as exc:  # left pending; the worker retries it after the lease
        liaison.app.logger.warning("事件 %s 处理出错，留给工作进程：%s", public_id(row_id), type(exc).__name__)
