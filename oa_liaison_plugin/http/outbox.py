"""Notifications for callback hosts, delivered like copies: leased, retried with backoff and jitter."""
from __future__ import annotations

from sqlalchemy import select

from ..lease import Done, Ledger, Retry, run_due
from ..models import HttpHost, Jurisdiction, Notification, db, utcnow
from .callbacks import CallbackError, cloudevent, post


def _post(liaison, nid: int) -> Done:
    """One try of the notification ledger: POST it to its host, signed."""
    row = db.session.get(Notification, nid)
    kind = row.payload.get("type") if "data" in row.payload else None   # a typed event, e.g. liaison.consultation
    # A typed event may carry its own id (liaison.decision: decision-N), its webhook-id on every retry.
    msg_id = (row.payload.get("id") if kind else None) or f"notification-{nid}"
    code = db.session.get(Jurisdiction, row.host.jurisdiction_id).code
    event = cloudevent(kind or "liaison.notification", msg_id, f"/oa-liaison/{code}",
                       row.payload["data"] if kind else row.payload, row.created_at)
    try:
        post(liaison.config, row.host, msg_id, event)
    except CallbackError as exc:
        raise Retry(str(exc)) from exc
    return Done(dict(status="delivered", delivered_at=utcnow(), last_error=None))


NOTIFICATIONS = Ledger(Notification, _post, lambda code: Notification.host_id.in_(
    select(HttpHost.id).join(Jurisdiction, Jurisdiction.id == HttpHost.jurisdiction_id)
    .where(Jurisdiction.code == code)), "notify", lambda nid: f"notification-{nid}",
    "notifications", "notifications_failed", dies=True, redone=True)


def deliver_due(liaison, *, limit: int = 50, jurisdiction: str | None = None) -> dict:
    """POST every due notification (of one jurisdiction, if named) once; counts delivered and failed."""
    return run_due(liaison, NOTIFICATIONS, limit=limit, jurisdiction=jurisdiction)
