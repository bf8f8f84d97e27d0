"""Login throttling: too many failed logins lock the account name, or the address, for a while."""
from __future__ import annotations

import datetime as dt
import math

from flask import current_app
from sqlalchemy.exc import IntegrityError

from ...models import db, utcnow
from ..models import LoginThrottle, login_key


def _keys(username: str, addr: str | None) -> list[tuple[str, str]]:
    """(row key, its failure limit's setting) for the name and, when known, the address."""
    keys = [(f"user:{login_key(username)[:150]}", "LOGIN_MAX_FAILURES")]
    if addr:
        keys.append((f"addr:{addr[:150]}", "LOGIN_MAX_FAILURES_PER_ADDRESS"))
    return keys


def locked_for(username: str, addr: str | None) -> int:
    """Minutes until a login for this name from this address may be tried again (0: now)."""
    now = utcnow()
    rows = [db.session.get(LoginThrottle, key) for key, _ in _keys(username, addr)]
    until = max((r.locked_until for r in rows if r is not None and r.locked_until and r.locked_until > now),
                default=None)
    return math.ceil((until - now).total_seconds() / 60) if until else 0


def failed(username: str, addr: str | None) -> list[str]:
    """Count one failed login and commit it; returns the keys this failure locked.

    Two workers counting a new name at once both insert its row; the loser counts again on the winner's.
    """
    for attempt in range(2):
        try:
            locked = _count(username, addr)
            db.session.commit()
            return locked
        except IntegrityError:
            db.session.rollback()
            if attempt:
                raise
    return []


def _count(username: str, addr: str | None) -> list[str]:
    now, cfg = utcnow(), current_app.config
    window = dt.timedelta(seconds=cfg["LOGIN_WINDOW_SECONDS"])
    locked = []
    for key, limit in _keys(username, addr):
        row = db.session.get(LoginThrottle, key)
        if row is None:
            row = LoginThrottle(key=key, failures=0, window_start=now)
            db.session.add(row)
        if now - row.window_start > window:   # an old window: start counting again
            row.failures, row.window_start = 0, now
        row.failures += 1
        if row.failures >= cfg[limit] and not (row.locked_until and row.locked_until > now):
            row.locked_until = now + dt.timedelta(seconds=cfg["LOGIN_LOCK_SECONDS"])
            row.failures, row.window_start = 0, now
            locked.append(key)
    return locked


def clear(username: str) -> None:
    """Forget the name's failures and lock: after a good login, or an administrator's password reset.

    Never the address's: logging in to one's own account must not reset a guesser's count.
    """
    row = db.session.get(LoginThrottle, _keys(username, None)[0][0])
    if row is not None:
        db.session.delete(row)
