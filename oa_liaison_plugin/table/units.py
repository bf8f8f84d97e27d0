"""A unit and its sub-units: the one walk down (and up) the tree of 所属单位."""
from __future__ import annotations

from typing import Callable, Hashable, Iterable, Iterator, TypeVar

from sqlalchemy import select

from ..models import Unit, db

N = TypeVar("N", bound=Hashable)


def walk(roots: Iterable[N], children: Callable[[N], Iterable[N]]) -> Iterator[tuple[N, int]]:
    """Each root, then its sub-units depth first, with their depth; each once even if the data has a cycle."""
    seen: set = set()
    stack = [(r, 0) for r in reversed(list(roots))]
    while stack:
        node, depth = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        yield node, depth
        stack.extend((kid, depth + 1) for kid in reversed(list(children(node))))


def up(start: N | None, parent: Callable[[N], N | None]) -> Iterator[N]:
    """A unit, then its parent, and so on to the top (stopping at a cycle)."""
    seen: set = set()
    while start is not None and start not in seen:
        seen.add(start)
        yield start
        start = parent(start)


def children_map(pairs: Iterable[tuple[N, N | None]]) -> dict[N | None, list[N]]:
    """(unit, parent) pairs -> parent -> its sub-units, in the given order."""
    out: dict = {}
    for node, parent in pairs:
        out.setdefault(parent, []).append(node)
    return out


def with_sub_units(jurisdiction_id: int, roots: Iterable[int]) -> list[int]:
    """The ids of ``roots`` and every unit below them (a department answers for its bracketed sub-units)."""
    kids = children_map(db.session.execute(select(Unit.id, Unit.parent_id)
                                           .where(Unit.jurisdiction_id == jurisdiction_id)).all())
    return [uid for uid, _ in walk(roots, lambda uid: kids.get(uid, ()))]
