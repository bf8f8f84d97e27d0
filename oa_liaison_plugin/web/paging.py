"""Keyset paging on an indexed id column: the page after ``before`` is one range scan, whatever the size."""
from __future__ import annotations

from dataclasses import dataclass

from flask import request

PAGE_SIZE = 50


@dataclass
class Page:
    rows: list
    next_before: int | None   # the id to continue from, or None on the last page
    first: bool               # this is the newest page


def before_arg() -> int | None:
    value = request.args.get("before", "")
    # isdigit() alone lets "²" and "①" through, which int() refuses.
    return int(value) if value.isascii() and value.isdigit() and len(value) < 19 else None


def keyset(session, query, id_column, *, size: int = PAGE_SIZE, key=None) -> Page:
    """Rows of ``query`` newest first, ``size`` at a time; ``key`` picks a row's id (default ``.id``)."""
    before = before_arg()
    if before is not None:
        query = query.where(id_column < before)
    rows = list(session.execute(query.order_by(id_column.desc()).limit(size + 1)).all())
    more = len(rows) > size
    rows = rows[:size]
    rows = [r[0] if len(r) == 1 else r for r in rows]
    pick = key or (lambda r: r.id)
    return Page(rows, pick(rows[-1]) if more and rows else None, before is None)
