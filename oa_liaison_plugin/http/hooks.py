"""Built-in host services for hosts connected over HTTP: copies and notifications to their callback URL."""
from __future__ import annotations

import base64
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from types import SimpleNamespace

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..delivery import offering
from ..engine import outside_transaction
from ..models import Copy, Document, HttpHost, Jurisdiction, Notification, db, insert_all
from ..plugins import hookimpl
from .callbacks import cloudevent, post
from .inbox import fetch_failure


def copy_data(copy: dict) -> dict:
    """The copy as JSON: the file and attachments inline as base64."""
    data = {k: v for k, v in copy.items() if k not in ("file", "attachments")}
    for key in ("main_recipients", "cc", "reasons"):   # a copy frozen before lists were never null
        data[key] = data.get(key) or []
    data["file_base64"] = base64.b64encode(copy["file"]).decode() if copy.get("file") else None
    data["attachments"] = [{**{k: v for k, v in a.items() if k != "data"},
                            "data_base64": base64.b64encode(a["data"]).decode() if a.get("data") else None}
                           for a in copy.get("attachments") or []]
    return data


@hookimpl
def deliver_copy(liaison, copy):
    """POST the copy to the callback host of its document's jurisdiction (None when there is none)."""
    copy_id = str(copy.get("copy_id", ""))
    if not copy_id.startswith("copy-") or not copy_id[5:].isdigit():
        return None
    facts = offering()
    if facts is not None and facts["copy_id"] == int(copy_id[5:]):
        # Read with the batch; its jurisdiction's host once a batch (the batch's dict holds it).
        hosts = facts["batch"]
        if facts["jurisdiction_id"] not in hosts:
            hosts[facts["jurisdiction_id"]] = _callback_host(HttpHost.jurisdiction_id == facts["jurisdiction_id"])
        host = hosts[facts["jurisdiction_id"]]
    else:
        host, facts = _copy_and_host(int(copy_id[5:]))
    if host is None:
        return None
    # Stable ids beside the names: the committee's id, the jurisdiction's code, when the decision was made.
    data = {**copy_data(copy), "committee_id": facts["committee_id"], "jurisdiction": facts["code"],
            "decided_at": facts["decided_at"].isoformat(timespec="seconds") + "Z" if facts["decided_at"] else None}
    event = cloudevent("liaison.copy", copy_id, f"/oa-liaison/{facts['code']}", data, facts["created_at"])
    return post(liaison.config, host, copy_id, event)


def _callback_host(*where):
    """The first callback host matching ``where`` with its secrets, as plain values (they outlive the session's
    commits), or None; on PostgreSQL outside a transaction when none is open (no BEGIN and COMMIT to wait on)."""
    with outside_transaction(db.session.connection()):
        host = db.session.scalars(select(HttpHost).where(*where, HttpHost.callback_url.is_not(None))
                                  .order_by(HttpHost.id).limit(1).options(joinedload(HttpHost.secrets))).first()
    return None if host is None else _plain(host)


def _plain(host: HttpHost) -> SimpleNamespace:
    """What a callback reads of a host (``post``: its id, name, URL and secrets), detached from the session."""
    return SimpleNamespace(id=host.id, name=host.name, callback_url=host.callback_url, secrets=[
        SimpleNamespace(id=s.id, sealed=s.sealed, expires_at=s.expires_at) for s in host.secrets])


def _copy_and_host(copy_id: int):
    """A copy's facts and its jurisdiction's callback host with its secrets, in one statement (a copy offered
    outside a batch)."""
    with outside_transaction(db.session.connection()):
        row = db.session.execute(select(HttpHost, Jurisdiction.code, Copy.created_at, Copy.committee_id,
                                        Document.decided_at).join(
            Document, Document.jurisdiction_id == HttpHost.jurisdiction_id).join(
            Jurisdiction, Jurisdiction.id == Document.jurisdiction_id).join(Copy, Copy.document_id == Document.id)
            .where(Copy.id == copy_id, HttpHost.callback_url.is_not(None)).order_by(HttpHost.id).limit(1)
            .options(joinedload(HttpHost.secrets))).unique().first()
    if row is None:
        return None, None
    return _plain(row.HttpHost), dict(code=row.code, created_at=row.created_at, committee_id=row.committee_id,
                                      decided_at=row.decided_at)


# Inside notify_batch(): each jurisdiction's callback host looked up once (a reminder pass notifies thousands).
_batch: ContextVar[dict | None] = ContextVar("oa_liaison_notify_batch", default=None)


@contextmanager
def notify_batch():
    """Within this block the callback host of a jurisdiction is looked up once, not once per notification."""
    token = _batch.set({})
    try:
        yield
    finally:
        _batch.reset(token)


def _notify_host_id(code: str) -> int | None:
    memo = _batch.get()
    if memo is not None and code in memo:
        return memo[code]
    host_id = db.session.scalar(select(HttpHost.id).join(Jurisdiction, Jurisdiction.id == HttpHost.jurisdiction_id)
                                .where(Jurisdiction.code == code, HttpHost.callback_url.is_not(None))
                                .order_by(HttpHost.id).limit(1))
    if memo is not None:
        memo[code] = host_id
    return host_id


def enqueue(liaison, recipient, subject, body) -> bool:
    """Add the notification for its jurisdiction's callback host to the current transaction (False: no such host)."""
    return bool(enqueue_all(liaison, [(recipient, subject, body)]))


def enqueue_all(liaison, notices) -> int:
    """Add notifications, each (recipient, subject, body), for their jurisdictions' callback hosts to the current
    transaction in one statement; returns how many were queued (those without such a host are not)."""
    rows = []
    with notify_batch() if _batch.get() is None else nullcontext():
        for recipient, subject, body in notices:
            code = recipient.get("jurisdiction") if isinstance(recipient, dict) else None
            host_id = _notify_host_id(code or liaison.config["JURISDICTION"])
            if host_id is None:
                continue
            label = recipient.get(recipient.get("role")) if isinstance(recipient, dict) else recipient
            rows.append({"host_id": host_id, "payload": {
                "recipient": dict(recipient) if isinstance(recipient, dict) else recipient,
                # a plain text beside the object: what an OA files a message under
                "recipient_label": str(label if label is not None else recipient),
                "subject": subject, "body": body}})
    insert_all(Notification, rows)
    return len(rows)


def enqueue_event(liaison, code: str, kind: str, data: dict) -> bool:
    """Queue a CloudEvent of its own type (e.g. ``liaison.consultation``) for the jurisdiction's callback host."""
    host_id = _notify_host_id(code)
    if host_id is None:
        return False
    db.session.add(Notification(host_id=host_id, payload={"type": kind, "data": data}))
    return True


# Set while a unit of work tells its committed notices: it queued them for the callback host itself.
_queued: ContextVar[bool] = ContextVar("oa_liaison_notify_queued", default=False)


@contextmanager
def queued():
    """Within this block the built-in notify does nothing: the caller's transaction already queued them."""
    token = _queued.set(True)
    try:
        yield
    finally:
        _queued.reset(token)


@hookimpl
def notify(liaison, recipient, subject, body):
    """Queue a notification for its jurisdiction's callback host (delivered by the worker, retried)."""
    if _queued.get():
        return None
    with liaison.context():
        if enqueue(liaison, recipient, subject, body):
            db.session.commit()
    return None


@hookimpl
def qualification_signals(liaison, document, facts):
    """Hold a document whose file_url could not be fetched (the file may carry a 密级 mark)."""
    failure = fetch_failure.get()
    if failure is not None and failure[0] == str(document.get("id")):
        return [{"action": "hold", "reason": f"主办系统给出的文件未能下载：{failure[1]}"}]
    return None
