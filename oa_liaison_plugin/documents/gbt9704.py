"""GB/T 9704-2012 numbers, Chinese dates and document numbers, and the OOXML snippets drafts are made of."""
from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from xml.sax.saxutils import escape

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

# ------------------------------------------------------------------------------------- numbers


def mm(x: float) -> int:
    """Millimetres to twips (1/20 pt)."""
    return round(x * 1440 / 25.4)


PAGE_W, PAGE_H = 11906, 16838                      # A4
TOP, BOTTOM, LEFT, RIGHT = 2098, 1984, 1588, 1474  # 37 / 35 / 28 / 26 mm
TEXT_W, TEXT_H = PAGE_W - LEFT - RIGHT, PAGE_H - TOP - BOTTOM   # 156 x 225 mm type area
LINES, CHARS = 22, 28
BODY_PT = 16                                        # 三号
LINE_PITCH = TEXT_H // LINES                        # 579 twips: 22 lines fill 225 mm
# 28 characters of 16 pt do not fit 156 mm (448 > 442 pt). Word and WPS squeeze them onto a character
# grid (w:charSpace), but LibreOffice rounds a glyph wider than its grid cell up to two cells (14 a line).
# So the grid holds lines only and every character is squeezed by a letter spacing (w:spacing, twips),
# which Word, WPS and LibreOffice all lay out alike: 28 characters of 315 twips fill the line.
CHAR_SQUEEZE = math.floor(TEXT_W / CHARS - BODY_PT * 20)   # -5
CHAR_PITCH = BODY_PT * 20 + CHAR_SQUEEZE            # one character, in twips (315)
FOOTER = mm(19)                                     # footer distance: the letter's lower rule ~20 mm up
HEADER = mm(15)

SIZES = {"初号": 42, "小初": 36, "一号": 26, "小一": 24, "二号": 22, "小二": 18,
         "三号": 16, "小三": 15, "四号": 14, "小四": 12, "五号": 10.5}

FANGSONG, XBS, HEITI, KAITI, SONGTI = "仿宋_GB2312", "方正小标宋简体", "黑体", "楷体_GB2312", "宋体"
RED = "FF0000"

# 信函格式 double lines: 170 mm centred on the page, i.e. 20 mm from either paper edge.
LETTER_RULE_IND = {"left": -(LEFT - mm(20)), "right": -(RIGHT - mm(20))}
# 页码: the em dashes 7 mm under the type area; the number line (14 pt exact) is centred on them.
PAGE_NUMBER_AFTER = round(BOTTOM - mm(7) - SIZES["四号"] * 20 / 2 - FOOTER)


def chars(n: float) -> dict:
    """An indent of n grid characters, as Word's *Chars attribute plus twips for other readers."""
    return {"chars": round(n * 100), "twips": round(n * CHAR_PITCH)}


def text_width(text: str) -> float:
    """Width in grid characters: full-width 1, ASCII and half-width 0.5."""
    return sum(0.5 if unicodedata.east_asian_width(c) in "NaH" else 1.0 for c in text)


# ------------------------------------------------------------------------- dates and numbers

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DOC_NUMBER = re.compile(r"^(?P<code>\S+?)\s*[\[(〔【]\s*(?P<year>\d{4})\s*[\])〕】]\s*第?\s*(?P<serial>\d+)\s*号$")


def parse_date(value) -> dt.date | None:
    """A ``date`` or an ISO ``YYYY-MM-DD`` string; None when it is neither."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _DATE.match(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def cn_date(day: dt.date) -> str:
    """2017年1月5日: Arabic numerals, no leading zeros."""
    return f"{day.year}年{day.month}月{day.day}日"


def normalize_doc_number(text: str) -> str | None:
    """南教函[2017]05号 / （2017） / ［2017］ -> 南教函〔2017〕5号; None when it is not a 发文字号."""
    m = _DOC_NUMBER.match(unicodedata.normalize("NFKC", text).strip())
    if not m:
        return None
    return f"{m['code']}〔{m['year']}〕{int(m['serial'])}号"


# ----------------------------------------------------------------------------- OOXML snippets
# Strings, not elements: the same builders write the packaged templates and the drafts' bodies.
# Children are emitted in the schema's order (Word rejects out-of-order pPr/rPr children).


def rfonts(face: str) -> str:
    """All four font slots set to one face, no *Theme attributes (Word would prefer the theme)."""
    return f'<w:rFonts w:ascii="{face}" w:hAnsi="{face}" w:eastAsia="{face}" w:cs="{face}"/>'


def rpr(*, style=None, face=None, bold=None, color=None, squeeze=None, size=None, shade=None) -> str:
    """Run properties (also used inside styles); ``squeeze`` is a letter spacing in twips."""
    out = []
    if style:
        out.append(f'<w:rStyle w:val="{style}"/>')
    if face:
        out.append(rfonts(face))
    if bold is not None:
        v = "1" if bold else "0"
        out.append(f'<w:b w:val="{v}"/><w:bCs w:val="{v}"/>')
    if color:
        out.append(f'<w:color w:val="{color}"/>')
    if squeeze is not None:
        out.append(f'<w:spacing w:val="{squeeze}"/>')
    if size:
        out.append(f'<w:sz w:val="{round(size * 2)}"/><w:szCs w:val="{round(size * 2)}"/>')
    if shade:
        out.append(f'<w:shd w:val="clear" w:color="auto" w:fill="{shade}"/>')
    return f"<w:rPr>{''.join(out)}</w:rPr>" if out else ""


def border(side: str, val="single", sz=8, color="000000", space=0) -> str:
    """One paragraph border; sz in eighths of a point."""
    return f'<w:{side} w:val="{val}" w:sz="{sz}" w:space="{space}" w:color="{color}"/>'


def ppr(*, style=None, keep_next=False, page_break=False, frame=None, widow=None, borders=(), tabs=(),
        snap=None, before=None, after=None, line=None, line_rule="exact", left=None, right=None,
        first=None, hanging=None, jc=None, outline=None, rpr_xml="") -> str:
    """Paragraph properties; indents take :func:`chars` dicts, spacing takes twips."""
    out = []
    if style:
        out.append(f'<w:pStyle w:val="{style}"/>')
    if keep_next:
        out.append("<w:keepNext/>")
    if page_break:
        out.append("<w:pageBreakBefore/>")
    if frame:
        out.append("<w:framePr " + " ".join(f'w:{k}="{v}"' for k, v in frame.items()) + "/>")
    if widow is not None:
        out.append(f'<w:widowControl w:val="{int(widow)}"/>')
    if borders:
        order = {"top": 0, "left": 1, "bottom": 2, "right": 3, "between": 4}
        out.append("<w:pBdr>" + "".join(sorted(borders, key=lambda b: order[b[3:b.index(" ")]]))
                   + "</w:pBdr>")
    if tabs:
        out.append("<w:tabs>" + "".join(f'<w:tab w:val="{v}" w:pos="{pos}"/>' for v, pos in tabs)
                   + "</w:tabs>")
    if snap is not None:
        out.append(f'<w:snapToGrid w:val="{int(snap)}"/>')
    if before is not None or after is not None or line is not None:
        attrs = ""
        if before is not None:
            attrs += f' w:before="{before}"'
        if after is not None:
            attrs += f' w:after="{after}"'
        if line is not None:
            attrs += f' w:line="{line}" w:lineRule="{line_rule}"'
        out.append(f"<w:spacing{attrs}/>")
    ind = []
    for name, value in (("left", left), ("right", right), ("firstLine", first), ("hanging", hanging)):
        if value is not None:
            ind.append(f'w:{name}Chars="{value["chars"]}" w:{name}="{value["twips"]}"')
    if ind:
        out.append(f"<w:ind {' '.join(ind)}/>")
    if jc:
        out.append(f'<w:jc w:val="{jc}"/>')
    if outline is not None:
        out.append(f'<w:outlineLvl w:val="{outline}"/>')
    out.append(rpr_xml)
    return f"<w:pPr>{''.join(out)}</w:pPr>"


class Runs(str):
    """Run markup made by this module; :func:`p` takes only these as markup, any other string as text."""


# Characters XML 1.0 cannot hold at all (a control character in a value would break the part).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def r(text: str, **props) -> Runs:
    """A run of text (tabs become w:tab); props as for :func:`rpr`."""
    pieces = [f'<w:t xml:space="preserve">{escape(_NOT_XML.sub("", piece))}</w:t>' if piece else ""
              for piece in text.split("\t")]
    return Runs(f"<w:r>{rpr(**props)}{'<w:tab/>'.join(pieces)}</w:r>")


def p(*runs: str, **props) -> str:
    """A paragraph: runs are :func:`r` results, any other string is text (never markup, whatever it starts with)."""
    body = "".join(x if isinstance(x, Runs) else r(x) for x in runs)
    return f"<w:p>{ppr(**props)}{body}</w:p>"


def line_break() -> Runs:
    """A line break inside a paragraph (w:br)."""
    return Runs("<w:r><w:br/></w:r>")


def page_field(**props) -> Runs:
    """The PAGE field, cached value 1."""
    rp = rpr(**props)
    return Runs(f'<w:r>{rp}<w:fldChar w:fldCharType="begin"/></w:r>'
                f'<w:r>{rp}<w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>'
                f'<w:r>{rp}<w:fldChar w:fldCharType="separate"/></w:r>'
                f'<w:r>{rp}<w:t>1</w:t></w:r>'
                f'<w:r>{rp}<w:fldChar w:fldCharType="end"/></w:r>')


_WP = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
_WPS = "http://schemas.microsoft.com/office/word/2010/wordprocessingShape"
_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
EMU_PER_TWIP = 635


def bottom_box(content: str, height: int, *, name: str = "版记") -> Runs:
    """A borderless text box the width of the type area, standing on its bottom edge (the 版记's place).

    Every office suite places a DrawingML box aligned to the bottom margin there, on whichever page its
    anchor paragraph falls; LibreOffice does not float a table (w:tblpPr) that is as wide as the type area.
    """
    cx, cy = TEXT_W * EMU_PER_TWIP, height * EMU_PER_TWIP
    return Runs(
        f'<w:r><w:drawing><wp:anchor xmlns:wp="{_WP}" distT="0" distB="0" distL="0" distR="0" simplePos="0" '
        'relativeHeight="251659264" behindDoc="0" locked="0" layoutInCell="1" allowOverlap="0">'
        '<wp:simplePos x="0" y="0"/><wp:positionH relativeFrom="margin"><wp:align>center</wp:align></wp:positionH>'
        '<wp:positionV relativeFrom="margin"><wp:align>bottom</wp:align></wp:positionV>'
        f'<wp:extent cx="{cx}" cy="{cy}"/><wp:effectExtent l="0" t="0" r="0" b="0"/><wp:wrapTopAndBottom/>'
        f'<wp:docPr id="9001" name="{name}"/><wp:cNvGraphicFramePr/>'
        f'<a:graphic xmlns:a="{_A}"><a:graphicData uri="{_WPS}"><wps:wsp xmlns:wps="{_WPS}">'
        '<wps:cNvSpPr txBox="1"/><wps:spPr><a:xfrm><a:off x="0" y="0"/>'
        f'<a:ext cx="{cx}" cy="{cy}"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom><a:noFill/>'
        f'<a:ln><a:noFill/></a:ln></wps:spPr><wps:txbx><w:txbxContent>{content}</w:txbxContent></wps:txbx>'
        '<wps:bodyPr rot="0" vert="horz" wrap="square" lIns="0" tIns="0" rIns="0" bIns="0" anchor="b" '
        'anchorCtr="0"><a:noAutofit/></wps:bodyPr></wps:wsp></a:graphicData></a:graphic></wp:anchor>'
        '</w:drawing></w:r>')


def cell(content: str, width: int, *, span=1, valign="center") -> str:
    """A table cell holding paragraph XML."""
    span_xml = f'<w:gridSpan w:val="{span}"/>' if span > 1 else ""
    return (f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{span_xml}'
            f'<w:vAlign w:val="{valign}"/></w:tcPr>{content}</w:tc>')


def table(widths: list[int], rows: list[tuple[int | None, list[tuple[str, int]]]], *, sz=6,
          borders: dict | None = None, margins: int = 108) -> str:
    """A table the width of the type area; rows are (min height or None, [(paragraphs, span)]).

    ``borders`` maps sides (top, left, bottom, right, insideH, insideV) to widths in eighths of a point
    (default: every side ``sz``).
    """
    sides = borders or {s: sz for s in ("top", "left", "bottom", "right", "insideH", "insideV")}
    edge = "".join(f'<w:{s} w:val="single" w:sz="{w}" w:space="0" w:color="000000"/>' for s, w in sides.items())
    out = [f'<w:tbl><w:tblPr><w:tblW w:w="{sum(widths)}" w:type="dxa"/><w:jc w:val="center"/>'
           f'<w:tblBorders>{edge}</w:tblBorders><w:tblLayout w:type="fixed"/>'
           f'<w:tblCellMar><w:left w:w="{margins}" w:type="dxa"/><w:right w:w="{margins}" w:type="dxa"/>'
           '</w:tblCellMar></w:tblPr><w:tblGrid>' + "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
           + "</w:tblGrid>"]
    for height, cells in rows:
        height_xml = f'<w:trHeight w:val="{height}"/>' if height else ""
        tr = f"<w:trPr><w:cantSplit/>{height_xml}</w:trPr>"
        col, tcs = 0, []
        for content, span in cells:
            tcs.append(cell(content, sum(widths[col:col + span]), span=span))
            col += span
        out.append(f"<w:tr>{tr}{''.join(tcs)}</w:tr>")
    return "".join(out) + "</w:tbl>"
