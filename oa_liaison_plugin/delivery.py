"""The durable copy ledger: pending -> delivered through the host's deliver_copy hook, with retries."""
from __future__ import annotations

import datetime as dt
import os
import random
import socket
import time
from contextlib import contextmanager
from contextvars import ContextVar

from flask import has_request_context
from sqlalchemy import or_, select, update

from .models import Blob, Copy, Document, EventError, HttpHost, Jurisdiction, db, utcnow

# Documents decided inside delivered_after(): their copies are offered after the block, not inside it.
_held_back: ContextVar[list | None] = ContextVar("oa_liaison_held_back", default=None)


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
    """Write an EventError in its own short transaction (the caller's may have been rolled back)."""
    try:
        db.session.rollback()
        db.session.add(EventError(event=event, code=code, message=str(message)[:4000], subject=subject,
                                  detail=detail or {}))
        db.session.commit()
    except Exception:  # the error log must never become the error
        db.session.rollback()


def backoff(config, attempts: int) -> float:
    """Seconds before the next attempt: the configured step, spread by a random jitter (no thundering herd)."""
    steps = config["DELIVERY_BACKOFF_SECONDS"]
    jitter = float(config.get("DELIVERY_JITTER", 0.2))
    return steps[min(attempts, len(steps) - 1)] * random.uniform(1 - jitter, 1 + jitter)


def payload(copy: Copy) -> dict:
    """What the host's deliver_copy receives (the frozen snapshot plus the file's bytes)."""
    snap = copy.snapshot
    blob = db.session.get(Blob, snap["file_sha256"]) if snap.get("file_sha256") else None
    attachments = []
    for a in snap.get("attachments", []):
        ab = db.session.get(Blob, a["sha256"]) if a.get("sha256") else None
        attachments.append({**a, "data": ab.data if ab else None})
    return {**snap, "copy_id": f"copy-{copy.id}", "document_id": snap.get("document_id") or snap["host_id"],
            "committee": copy.committee.name if copy.committee_id else None,
            "unit": copy.unit.name if copy.unit_id else None, "file": blob.data if blob else None,
            "attachments": attachments, "reasons": copy.reasons}


def lease_seconds(config) -> float:
    """A claim's lease: the setting, but always longer than the longest outbound deadline it covers."""
    longest = max(float(config["FILE_FETCH_TIMEOUT_SECONDS"]), float(config["CALLBACK_TIMEOUT_SECONDS"]))
    # Twice the deadline: the outbound call, and as long again for the row's own work (decide, record).
    return max(float(config["DELIVERY_LEASE_SECONDS"]), 2 * longest)


def claim(model, liaison, *, limit: int, now: dt.datetime, where=()) -> tuple[list[int], dt.datetime]:
    """Lease due rows of a ledger (copies, notifications, inbox events) to this worker; SKIP LOCKED lets
    several workers share it on PostgreSQL. Returns the ids and the lease, for :func:`still_mine`."""
    q = (select(model.id).where(model.status == "pending", model.next_attempt_at <= now,
                                or_(model.lease_until.is_(None), model.lease_until < now), *where)
         .order_by(model.id).limit(limit).with_for_update(skip_locked=True))
    ids = list(db.session.scalars(q))
    lease = now + dt.timedelta(seconds=lease_seconds(liaison.config))
    if ids:
        db.session.execute(update(model).where(model.id.in_(ids)).values(lease_until=lease))
    db.session.commit()
    return ids, lease


def still_mine(model, row_id: int, lease: dt.datetime, config) -> bool:
    """Renew one claimed row's lease just before acting on it, if no other worker took it meanwhile.

    A batch can outlast its lease (slow hosts, timeouts): another worker may have claimed the rest. Only
    a row still carrying this worker's lease is offered, so a copy is not offered by two workers at once.
    """
    renewed = db.session.execute(update(model).where(model.id == row_id, model.status == "pending",
                                                     model.lease_until == lease).values(
        lease_until=utcnow() + dt.timedelta(seconds=lease_seconds(config))))
    db.session.commit()
    return renewed.rowcount == 1


def deliver_due(liaison, *, limit: int = 100, document_ids=None) -> dict:
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
    with liaison.context():
        now = utcnow()
        ids, lease = claim(Copy, liaison, limit=limit, now=now,
                           where=() if document_ids is None else (Copy.document_id.in_(document_ids),))
        for copy_id in ids:
            if not still_mine(Copy, copy_id, lease, liaison.config):
                continue
            copy = db.session.get(Copy, copy_id)
            try:
                called = liaison.call("deliver_copy", record=False, copy=payload(copy))
            except Exception as exc:   # building the payload failed: the same as a failed delivery
                called = None
                failure = f"{type(exc).__name__}: {exc}"
            ack = called.first() if called is not None else None
            if called is not None and not ack:
                failure = ("；".join(e["error"] for e in called.errors)
                           or "没有插件接收此抄送（deliver_copy 未实现或返回空）")
            if not ack:  # not delivered: back off and retry; never raise to the host
                counts["failed"] += 1
                wait = backoff(liaison.config, copy.attempts)
                message = failure[:2000]
                db.session.execute(update(Copy).where(Copy.id == copy_id, Copy.status == "pending").values(
                    attempts=Copy.attempts + 1, last_error=message, lease_until=None,
                    next_attempt_at=utcnow() + dt.timedelta(seconds=wait)))
                db.session.add(EventError(event="deliver_copy", code="delivery_failed", message=message,
                                          subject=f"copy-{copy_id}",
                                          detail={"plugins": [e["plugin"] for e in called.errors] if called else []}))
                db.session.commit()
                continue
            for e in called.errors:   # another implementation accepted it; the failure is still shown
                db.session.add(EventError(event="deliver_copy", code="plugin_error", message=e["text"],
                                          subject=f"copy-{copy_id}", detail={"plugin": e["plugin"]}))
            db.session.execute(update(Copy).where(Copy.id == copy_id, Copy.status == "pending").values(
                status="delivered", ack=str(ack)[:256], attempts=Copy.attempts + 1, delivered_at=utcnow(),
                lease_until=None, last_error=None))
            db.session.commit()
            counts["delivered"] += 1
    return counts


def _calls_back() -> bool:
    return db.session.scalar(select(HttpHost.id).where(HttpHost.callback_url.is_not(None)).limit(1)) is not None


def _deliver_in_background(liaison, limit, document_ids) -> None:
    try:
        deliver_due(liaison, limit=limit, document_ids=document_ids)
    except Exception as exc:   # left pending: the worker retries it
        liaison.app.logger.warning("后台投递出错，留给工作进程：%s", type(exc).__name__)


def run_worker(liaison, *, poll: float = 2.0, max_seconds: float | None = None, once: bool = False) -> dict:
    """Deliver until stopped (or once); several workers may run side by side on PostgreSQL."""
    total = {"delivered": 0, "failed": 0}
    started = time.monotonic()
    worker = f"{socket.gethostname()}:{os.getpid()}"
    while True:
        counts = deliver_due(liaison)
        for k in total:
            total[k] += counts[k]
        if once or (max_seconds is not None and time.monotonic() - started > max_seconds):
            total["worker"] = worker
            return total
        if not any(counts.values()):
            time.sleep(poll)
