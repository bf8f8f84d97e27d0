"""Text placed on pages (OFD, PDF) laid out as lines: by baseline, top to bottom, left to right."""
from __future__ import annotations

from typing import NamedTuple

__all__ = ["Piece", "lay_out", "file_order"]

SAME_LINE = 0.4   # baselines closer than this many font sizes are one line (sub/superscripts stay on it)
GAP = 1.0         # a gap wider than this many font sizes (a tab, centred or right-aligned text) becomes "\t"
SPACE = 0.2       # a narrower one wider than this becomes " " (between words)


class Piece(NamedTuple):
    """A run of text on a page: ``y`` its baseline measured downwards from the page's top, ``x`` its start and
    ``end`` its end, in one unit the caller chooses (a reader that cannot tell the end estimates it).

    Readers may pass plain tuples in this order (cheaper to make by the thousand); sorting them sorts by page,
    baseline and start.
    """
    page: int
    y: float
    x: float
    end: float | None
    size: float
    text: str


def _gap(width: float, size: float) -> str:
    return "\t" if width > GAP * size else " " if width > SPACE * size else ""


def _join(pieces: list) -> str:
    if len(pieces) == 1:
        return pieces[0][5]
    pieces.sort(key=lambda p: p[2])
    prev = pieces[0]
    out = [prev[5]]
    for p in pieces[1:]:
        if p[5] == prev[5] and abs(p[2] - prev[2]) < prev[4] / 8:
            continue   # the same text drawn twice a hair apart: a writer's fake bold
        out.append(_gap(p[2] - prev[3], max(p[4], prev[4])))
        out.append(p[5])
        prev = p
    return "".join(out)


def _lines(ordered: list) -> list[tuple[int, float, list]]:
    """Pieces (sorted) grouped into lines: (page, baseline, pieces)."""
    lines: list[tuple[int, float, list]] = []
    page0 = y0 = limit = None
    cur: list = []
    for p in ordered:
        if p[0] == page0 and p[1] - y0 <= limit:
            cur.append(p)
            continue
        cur = [p]
        page0, y0, limit = p[0], p[1], SAME_LINE * p[4]
        lines.append((page0, y0, cur))
    return lines


def lay_out(pieces: list, heights: dict[int, float] | None = None, *, head: float = 0.0,
            foot: float = 0.0) -> tuple[list[str], list[str], list[str]]:
    """(body, header, footer) lines in position order. A line whose baseline is within ``head`` of its page's
    top or ``foot`` of its bottom (``heights``: each page's height) is a header or footer line; repeated
    header and footer lines are kept once."""
    body, header, footer = [], {}, {}
    heights = heights or {}
    for page, y0, cur in _lines(sorted(pieces)):
        text = _join(cur)
        height = heights.get(page)
        if head and y0 < head:
            header.setdefault(text, None)
        elif foot and height and y0 > height - foot:
            footer.setdefault(text, None)
        else:
            body.append(text)
    return body, list(header), list(footer)


def in_order(pieces: list) -> bool:
    """The file stores the pieces in position order already (then its order adds nothing to read)."""
    return pieces == sorted(pieces)


def file_order(pieces: list) -> list[str]:
    """The pieces in the order the file stores them, a new line wherever the page or the baseline changes: the
    text as a writer that draws one character at a time in reading order wrote it, whatever positions say."""
    out: list[str] = []
    cur: list[str] = []
    last = None
    for p in pieces:
        if last is not None:
            if p[0] != last[0] or abs(p[1] - last[1]) > SAME_LINE * max(p[4], last[4]):
                out.append("".join(cur))
                cur = []
            else:
                cur.append(_gap(p[2] - last[3], max(p[4], last[4])))
        cur.append(p[5])
        last = p
    if cur:
        out.append("".join(cur))
    return out
