"""A 函 (信函格式) made from data: addressees, paragraphs and tables, signature — the filing and review letters."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from . import gbt9704 as g
from .drafts import blank, body, signature, title
from .gbt9704 import p
from .write import render


@dataclass
class Table:
    """A table of the letter: column headings, relative widths, rows of cell texts (numbers right-aligned)."""
    caption: str
    headings: list[str]
    widths: list[int]
    rows: list[list] = field(default_factory=list)


def _cell(value) -> tuple[str, int]:
    number = isinstance(value, int) and not isinstance(value, bool)
    return p(str(value), style="GbTableText", jc="right" if number else "left"), 1


def table_xml(t: Table) -> str:
    """The caption (黑体 heading) and the table across the type area, headings centred."""
    scale = g.TEXT_W / sum(t.widths)
    widths = [int(w * scale) for w in t.widths]
    widths[-1] += g.TEXT_W - sum(widths)
    head = (None, [(p(h, style="GbTableText", jc="center"), 1) for h in t.headings])
    rows = [head] + [(None, [_cell(v) for v in row]) for row in t.rows]
    return p(t.caption, style="GbHeading1") + g.table(widths, rows)


def render_letter(*, issuer: str, doc_number: str, heading: str, recipients: list[str], paragraphs: list[str],
                  tables: list[Table], date: dt.date, templates_dir=None) -> bytes:
    """The letter as .docx bytes, on the packaged (or the site's) 信函 letterhead."""
    out = [*title(heading), p(f"{'、'.join(recipients)}：", style="GbPlain"), *(body(x) for x in paragraphs)]
    for t in tables:
        out += [table_xml(t), blank()]
    out += signature(issuer, g.cn_date(date))
    return render("consultation.docx", {"issuer": issuer, "doc_number": doc_number}, "".join(out),
                  templates_dir=templates_dir)
