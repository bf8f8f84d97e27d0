"""Paging of lists with totals (共 N 条，第 x/y 页): keyset on an indexed id, or numbered pages for sorted lists."""
from __future__ import annotations

from dataclasses import dataclass

from flask import request
from sqlalchemy import func, select

PAGE_SIZE = 50
# Counting touches every row: beyond this many a list says "共 10000 余条" and stays one short scan.
COUNT_CAP = 10_000


@dataclass
class Page:
    rows: list
    next_before: int | None   # keyset: the id to continue from, or None on the last page
    first: bool               # this is the first page
    total: int = 0            # rows in the whole list (COUNT_CAP + 1: more than COUNT_CAP)
    number: int | None = 1    # this page's number, from 1 (None: beyond the counted rows)
    size: int = PAGE_SIZE
    numbered: bool = False    # links go by ?page=N (sorted lists) rather than by ?before=id

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def many(self) -> bool:
        """More rows than were counted: the total is a floor."""
        return self.total > COUNT_CAP


def _digits(name: str, most: int) -> int | None:
    value = request.args.get(name, "")
    # isdigit() alone lets "²" and "①" through, which int() refuses.
    return int(value) if value.isascii() and value.isdigit() and len(value) < most else None


def before_arg() -> int | None:
    return _digits("before", 19)


def count(session, query, id_column=None) -> int:
    """Rows of ``query``, counted up to COUNT_CAP + 1; by ``id_column`` alone when given (an index can answer)."""
    if id_column is not None:
        query = query.with_only_columns(id_column)
    return session.scalar(select(func.count()).select_from(query.order_by(None).limit(COUNT_CAP + 1).subquery()))


def keyset(session, query, id_column, *, size: int | None = None, key=None) -> Page:
    """Rows of ``query`` newest first, ``size`` at a time; ``key`` picks a row's id (default ``.id``)."""
    size = size or PAGE_SIZE
    before = before_arg()
    total = count(session, query, id_column)
    # The rows newer than this page: a whole number of pages when the links were followed.
    newer = count(session, query.where(id_column >= before), id_column) if before is not None else 0
    if before is not None:
        query = query.where(id_column < before)
    rows = list(session.execute(query.order_by(id_column.desc()).limit(size + 1)).all())
    more = len(rows) > size
    rows = rows[:size]
    rows = [r[0] if len(r) == 1 else r for r in rows]
    pick = key or (lambda r: r.id)
    number = newer // size + 1 if newer <= COUNT_CAP else None
    return Page(rows, pick(rows[-1]) if more and rows else None, before is None, total, number, size)


def numbered(session, query, *order, size: int | None = None) -> Page:
    """Rows of ``query`` in ``order`` (e.g. by days left), page ``?page=N`` of them: for short, sorted lists."""
    size = size or PAGE_SIZE
    total = count(session, query)
    pages = max(1, -(-total // size))
    number = min(max(_digits("page", 7) or 1, 1), pages)
    rows = [r[0] if len(r) == 1 else r for r in
            session.execute(query.order_by(*order).offset((number - 1) * size).limit(size)).all()]
    return Page(rows, None, number == 1, total, number, size, numbered=True)
