"""Notifications for callback hosts, delivered like copies: leased, retried with backoff and jitter."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import update

from ..delivery import backoff, claim, still_mine
from ..models import Jurisdiction, Notification, db, utcnow
from .callbacks import CallbackError, cloudevent, post


def deliver_due(liaison, *, limit: int = 50) -> dict:
    counts = {"notifications": 0, "notifications_failed": 0}
    with liaison.context():
        ids, lease = claim(Notification, liaison, limit=limit, now=utcnow())
        for nid in ids:
            if not still_mine(Notification, nid, lease, liaison.config):
                continue
            row = db.session.get(Notification, nid)
            msg_id = f"notification-{nid}"
            code = db.session.get(Jurisdiction, row.host.jurisdiction_id).code
            try:
                post(liaison.config, row.host, msg_id, cloudevent("liaison.notification", msg_id,
                                                                  f"/oa-liaison/{code}", row.payload, row.created_at))
            except CallbackError as exc:
                db.session.execute(update(Notification).where(Notification.id == nid).values(
                    attempts=Notification.attempts + 1, last_error=str(exc)[:2000], lease_until=None,
                    next_attempt_at=utcnow() + dt.timedelta(seconds=backoff(liaison.config, row.attempts))))
                counts["notifications_failed"] += 1
            else:
                db.session.execute(update(Notification).where(Notification.id == nid).values(
                    status="delivered", attempts=Notification.attempts + 1, lease_until=None,
                    delivered_at=utcnow(), last_error=None))
                counts["notifications"] += 1
            db.session.commit()
    return counts
