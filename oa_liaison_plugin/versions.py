"""Optimistic locking: a form carries the row's version it was loaded at; saving claims the next version or is Stale."""
from __future__ import annotations

from sqlalchemy import update

from .models import db


class Stale(Exception):
    """The row was saved by someone else since the form was loaded: nothing of this save is kept."""


def claim(model, row_id: int, version) -> None:
    """Move the row to its next version if it is still at ``version``, else raise Stale.

    One guarded UPDATE, so of two saves loaded at one version only the first passes, in any process
    (PostgreSQL's row lock, SQLite's one writer). A post without a version (a page loaded before the
    upgrade, a script) is saved as before, last one wins; it still moves the version on.
    """
    guard = [model.id == row_id]
    if version not in (None, ""):
        try:
            number = int(version)
        except (TypeError, ValueError):
            raise Stale() from None
        if not 0 < number < 2 ** 31:   # no row has it, and PostgreSQL's INTEGER would overflow on it
            raise Stale()
        guard.append(model.version == number)
    done = db.session.execute(update(model).where(*guard).values(version=model.version + 1)
                              .execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise Stale()


def bump(row) -> None:
    """A change made without a form (a toggle, a command): forms loaded before it become stale."""
    row.version = type(row).version + 1
