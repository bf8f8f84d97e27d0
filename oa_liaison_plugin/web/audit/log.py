"""The panel's actor (the logged-in user and address) for the core's audit log and units of work."""
from __future__ import annotations

from typing import Any

from flask import current_app, has_request_context, request
from flask_login import current_user

from ... import audit
from ...audit import Actor
from ...models import db


def panel_actor(user=None) -> Actor:
    """The panel user acting now (``user`` when given), with the request's address."""
    user = user if user is not None else (current_user if has_request_context() else None)
    addr = request.remote_addr if has_request_context() else None
    if user is None or not getattr(user, "is_authenticated", False):
        return Actor("（系统）", remote_addr=addr)
    return Actor.of_user(user, addr)


def work():
    """A unit of work by the panel user acting now: ``with work() as uow:``."""
    return current_app.extensions["oa_liaison"].work(panel_actor())


def record(action: str, target: str | None, before: Any = None, after: Any = None, *, user=None,
           jurisdiction_id: int | None = None, note: str | None = None) -> audit.AuditEntry:
    """Stage one entry by the panel user (for changes that are not an operation: logins, accounts)."""
    return audit.record(panel_actor(user), action, target, before, after, jurisdiction_id=jurisdiction_id, note=note)


def committed(action: str, target: str | None, before: Any, after: Any, change, **kw):
    """Stage an entry, run ``change``, commit; roll both back on error."""
    record(action, target, before, after, **kw)
    try:
        result = change()
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return result
