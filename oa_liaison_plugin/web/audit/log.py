"""Add an audit entry to the current transaction, so the change and its record commit (or fail) together."""
from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from flask_login import current_user

from ...models import db
from ..models import AuditEntry


def record(action: str, target: str | None, before: Any = None, after: Any = None, *, user=None,
           jurisdiction_id: int | None = None, note: str | None = None, actor: str | None = None) -> AuditEntry:
    """Stage one entry; the caller's commit (often inside table.load or save_rule) writes it.

    ``actor`` names who acted when no panel user did: ``cli:<os user>`` or ``host:<name>``.
    """
    user = user if user is not None else (current_user if has_request_context() else None)
    known = user is not None and getattr(user, "is_authenticated", False)
    entry = AuditEntry(action=action, target=(target or "")[:256] or None, before=before, after=after,
                       user_id=user.id if known else None,
                       username=user.username if known else (actor or "（系统）")[:64],
                       jurisdiction_id=jurisdiction_id if jurisdiction_id is not None else
                       (user.jurisdiction_id if known else None),
                       remote_addr=request.remote_addr if has_request_context() else None, note=note)
    db.session.add(entry)
    return entry


def committed(action: str, target: str | None, before: Any, after: Any, change, **kw):
    """Stage an entry, run ``change`` (which commits), commit if it did not; roll both back on error."""
    record(action, target, before, after, **kw)
    try:
        result = change()
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return result
