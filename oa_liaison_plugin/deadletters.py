"""Dead letters: copies and notifications given up after the retry window, found by id, listed, described."""
from __future__ import annotations

import re

from sqlalchemy import select

from .errors import InputError
from .models import Copy, Document, HttpHost, Jurisdiction, Notification, db

KINDS = {"copy": Copy, "notification": Notification}
_REF = re.compile(r"^(copy|notification)-([0-9]{1,10})$")


def ledger(kind: str):
    """The lease loop's ledger of a kind of row (imported late: the outbox imports the callbacks)."""
    if kind == "copy":
        from .delivery import COPIES
        return COPIES
    from .http.outbox import NOTIFICATIONS
    return NOTIFICATIONS


def find(ref: str, field: str = "id"):
    """The row named ``copy-N`` or ``notification-N`` (a bare number is a copy): (kind, row), or InputError."""
    text = (ref or "").strip()
    m = _REF.match(f"copy-{text}" if text.isdigit() else text)
    row = db.session.get(KINDS[m.group(1)], int(m.group(2))) if m and int(m.group(2)) <= 2 ** 31 - 1 else None
    if row is None:
        raise InputError(field, f"没有这条投递：{text[:60]}（应为 copy-N 或 notification-N）")
    return m.group(1), row


def jurisdiction_id(kind: str, row) -> int:
    """The jurisdiction a copy's document, or a notification's host, belongs to."""
    if kind == "copy":
        return db.session.scalar(select(Document.jurisdiction_id).where(Document.id == row.document_id))
    return db.session.scalar(select(HttpHost.jurisdiction_id).where(HttpHost.id == row.host_id))


def _stamp(value) -> str | None:
    return value.isoformat(timespec="seconds") + "Z" if value else None


def describe(kind: str, row) -> dict:
    """A copy or notification as the commands print it (``deliveries --json``)."""
    if kind == "copy":
        snap = row.snapshot or {}
        recipient, title = row.recipient, snap.get("title") or snap.get("doc_number") or snap.get("host_id")
    else:
        payload = row.payload or {}
        to = payload.get("recipient") or {}
        recipient = to.get(to.get("role")) if isinstance(to, dict) else str(to)
        data = payload.get("data") if isinstance(payload.get("data"), dict) else None
        # a typed event (liaison.decision, liaison.consultation) has no subject: its type and document say what
        title = payload.get("subject") if data is None else \
            f"{payload.get('type')} {data.get('document_id') or data.get('consultation_id') or ''}".strip()
    return {"id": f"{kind}-{row.id}", "kind": kind, "status": row.status, "recipient": recipient, "title": title,
            "attempts": row.attempts, "last_error": row.last_error, "created_at": _stamp(row.created_at),
            "dead_at": _stamp(row.dead_at), "next_attempt_at": _stamp(row.next_attempt_at)
            if row.status == "pending" else None}


def listed(*, dead_only: bool, jurisdiction: str | None = None, limit: int = 500) -> list[dict]:
    """Dead copies and notifications (or, not ``dead_only``, every one not delivered), oldest first."""
    out = []
    for kind, model in KINDS.items():
        q = select(model).where(model.status == "dead" if dead_only else model.status != "delivered")
        if jurisdiction is not None:
            owner = (select(Document.id).join(Jurisdiction, Jurisdiction.id == Document.jurisdiction_id)
                     .where(Jurisdiction.code == jurisdiction)) if kind == "copy" else \
                (select(HttpHost.id).join(Jurisdiction, Jurisdiction.id == HttpHost.jurisdiction_id)
                 .where(Jurisdiction.code == jurisdiction))
            q = q.where((model.document_id if kind == "copy" else model.host_id).in_(owner))
        out += [describe(kind, r) for r in db.session.scalars(q.order_by(model.id).limit(limit))]
    return out
