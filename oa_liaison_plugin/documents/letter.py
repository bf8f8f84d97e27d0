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


def _grid(t: Table) -> tuple[list[int], list]:
    """Column widths across the type area and the rows (headings centred) of a table."""
    scale = g.TEXT_W / sum(t.widths)
    widths = [int(w * scale) for w in t.widths]
    widths[-1] += g.TEXT_W - sum(widths)
    head = (None, [(p(h, style="GbTableText", jc="center"), 1) for h in t.headings])
    return widths, [head] + [(None, [_cell(v) for v in row]) for row in t.rows]


def table_xml(t: Table) -> str:
    """The caption (黑体 heading) and the table across the type area, headings centred."""
    return p(t.caption, style="GbHeading1") + g.table(*_grid(t))


def addressees(issuer: str, recipients: list[str]) -> list[str]:
    """The 主送 line's offices without the sender itself (县政协办公室 is 南部县政协办公室 writing)."""
    return [r for r in recipients if not (issuer.endswith(r) or r.endswith(issuer))]


def attachment_note(captions: list[str]) -> list[str]:
    """附件说明 (GB/T 9704 §7.3.6): 附件：1.×××, the next ones aligned under the first name; no stop after them."""
    if len(captions) == 1:
        return [body(f"附件：{captions[0]}", keep=True)]
    first, *rest = [f"{i}.{c}" for i, c in enumerate(captions, 1)]
    return [body(f"附件：{first}", keep=True),
            *(p(line, style="GbPlain", left=g.chars(5), keep_next=True) for line in rest)]


def attachment_pages(attachments: list[Table], before: int = 0) -> list[str]:
    """Each attachment on a page of its own: 附件N (黑体, top left; N after ``before`` attached files), its
    title, its table."""
    out = []
    for i, t in enumerate(attachments, before + 1):
        label = f"附件{i}" if len(attachments) + before > 1 else "附件"
        out += [p(label, style="GbAttachment", page_break=True), *title(t.caption),
                g.table(*_grid(t))]
    return out


def render_letter(*, issuer: str, doc_number: str, heading: str, recipients: list[str], paragraphs: list[str],
                  tables: list[Table], date: dt.date, templates_dir=None, attachments: list[Table] = (),
                  files: list[str] = ()) -> bytes:
    """The letter as .docx bytes, on the packaged (or the site's) 信函 letterhead; ``attachments`` follow the
    signature, each on its own page, named in the 附件说明 under the body; ``files`` are attachments sent as files
    of their own beside the letter (a 征求意见稿), named first in the 附件说明."""
    *lead, closing = paragraphs
    out = [*title(heading), p(f"{'、'.join(addressees(issuer, recipients))}：", style="GbPlain"),
           *(body(x) for x in lead)]
    for t in tables:
        out += [table_xml(t), blank()]
    if attachments or files:
        *note, last = attachment_note([*files, *(t.caption for t in attachments)])
        out += [body(closing), blank(), *note]
    else:
        last = body(closing, keep=True)
    out += [*signature(issuer, g.cn_date(date), last), *attachment_pages(list(attachments), len(files))]
    return render("consultation.docx", {"issuer": issuer, "doc_number": doc_number}, "".join(out),
                  templates_dir=templates_dir)
