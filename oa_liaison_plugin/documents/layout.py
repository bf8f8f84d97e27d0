"""Text placed on pages (OFD, PDF) laid out as lines: by baseline, top to bottom, left to right."""
from __future__ import annotations

from typing import NamedTuple

__all__ = ["Piece", "lay_out", "file_order"]

SAME_LINE = 0.4   # baselines closer than this many font sizes are one line (sub/superscripts stay on it)
GAP = 1.0         # a gap wider than this many font sizes (a tab, centred or right-aligned text) becomes "\t"
SPACE = 0.2       # a narrower one wider than this becomes " " (between words)


class Piece(NamedTuple):
    """A run of text on a page: ``y`` its baseline measured downwards from the page's top, ``x`` its start and
    ``end`` its end (None: estimated from ``size``, one em a character), in one unit the caller chooses."""
    page: int
    y: float
    x: float
    end: float | None
    size: float
    text: str


def _end(p: Piece) -> float:
    return p.end if p.end is not None else p.x + len(p.text) * p.size


def _gap(width: float, size: float) -> str:
    return "\t" if width > GAP * size else " " if width > SPACE * size else ""


def _join(pieces: list[Piece]) -> str:
    if len(pieces) == 1:
        return pieces[0].text
    pieces.sort(key=lambda p: p.x)
    out, prev = [pieces[0].text], pieces[0]
    for p in pieces[1:]:
        if p.text == prev.text and abs(p.x - prev.x) < prev.size / 8:
            continue   # the same text drawn twice a hair apart: a writer's fake bold
        out.append(_gap(p.x - _end(prev), max(p.size, prev.size)))
        out.append(p.text)
        prev = p
    return "".join(out)


def lay_out(pieces: list[Piece], heights: dict[int, float] | None = None, *, head: float = 0.0,
            foot: float = 0.0) -> tuple[list[str], list[str], list[str]]:
    """(body, header, footer) lines in position order. A line whose baseline is within ``head`` of its page's
    top or ``foot`` of its bottom (``heights``: each page's height) is a header or footer line; repeated
    header and footer lines are kept once."""
    lines: list[tuple[int, float, list[Piece]]] = []
    for p in sorted(pieces, key=lambda p: (p.page, p.y, p.x)):
        if lines:
            page, y0, cur = lines[-1]
            if p.page == page and p.y - y0 <= SAME_LINE * max(p.size, cur[0].size):
                cur.append(p)
                continue
        lines.append((p.page, p.y, [p]))
    body, header, footer = [], {}, {}
    for page, y0, cur in lines:
        text = _join(cur)
        height = (heights or {}).get(page)
        if head and y0 < head:
            header.setdefault(text, None)
        elif foot and height and y0 > height - foot:
            footer.setdefault(text, None)
        else:
            body.append(text)
    return body, list(header), list(footer)


def file_order(pieces: list[Piece]) -> list[str]:
    """The pieces in the order the file stores them, a new line wherever the page or the baseline changes: the
    text as a writer that draws one character at a time in reading order wrote it, whatever positions say."""
    out: list[str] = []
    cur: list[str] = []
    last = None
    for p in pieces:
        if last is not None:
            if p.page != last.page or abs(p.y - last.y) > SAME_LINE * max(p.size, last.size):
                out.append("".join(cur))
                cur = []
            else:
                cur.append(_gap(p.x - _end(last), max(p.size, last.size)))
        cur.append(p.text)
        last = p
    if cur:
        out.append("".join(cur))
    return out
