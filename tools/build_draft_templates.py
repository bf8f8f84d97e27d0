"""Build the packaged draft templates (reply/consultation/minutes .docx) from the GB/T 9704 numbers.

Run from the repository root after changing a layout number or style:

    .venv/bin/python tools/build_draft_templates.py

The .docx files are committed as data; tests/test_drafts.py checks that they match this script.
Each file holds only what the drafts need: a dozen styles, the page setup, footers, a letterhead
with Jinja fields, and a ``{{ body }}`` paragraph where the generated body goes.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from oa_liaison_plugin.documents import gbt9704 as g  # noqa: E402
from oa_liaison_plugin.documents.write import PACKAGED, zip_parts  # noqa: E402

NS = f'xmlns:w="{g.W_NS}" xmlns:r="{g.R_NS}"'
DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
CT = "application/vnd.openxmlformats-officedocument.wordprocessingml"
PKG = "http://schemas.openxmlformats.org/package/2006"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
LINE = g.LINE_PITCH
MARK_LINE = round(g.SIZES["一号"] * 20 * 1.35)     # exact line for the 26 pt issuer name and 纪要 mark
LETTER_RULE = {"left": {"chars": 0, "twips": g.LETTER_RULE_IND["left"]},
               "right": {"chars": 0, "twips": g.LETTER_RULE_IND["right"]}}


def style(kind, sid, name, *, ppr="", rpr="", tblpr="", default=False):
    flag = ' w:default="1"' if default else ""
    return (f'<w:style w:type="{kind}"{flag} w:styleId="{sid}"><w:name w:val="{name}"/><w:qFormat/>'
            f"{ppr}{rpr}{tblpr}</w:style>")


def styles_xml() -> str:
    fs = dict(face=g.FANGSONG, size=16)
    body = dict(widow=False, line=LINE, jc="both")
    cell_margins = "".join(f'<w:{side} w:w="{w}" w:type="dxa"/>'
                           for side, w in (("top", 0), ("left", 108), ("bottom", 0), ("right", 108)))
    defs = [
        style("paragraph", "Normal", "Normal", default=True, ppr=g.ppr(**body), rpr=g.rpr(**fs)),
        style("character", "DefaultParagraphFont", "Default Paragraph Font", default=True),
        style("table", "TableNormal", "Normal Table", default=True,
              tblpr=f'<w:tblPr><w:tblInd w:w="0" w:type="dxa"/>'
                    f"<w:tblCellMar>{cell_margins}</w:tblCellMar></w:tblPr>"),
        # 标题: 2号小标宋, not bold, centred; off the character grid so 22 pt glyphs are not spread.
        style("paragraph", "GbTitle", "公文标题",
              ppr=g.ppr(keep_next=True, snap=False, line=LINE, jc="center"),
              rpr=g.rpr(face=g.XBS, size=22, bold=False)),
        style("paragraph", "GbHeading1", "一级标题",
              ppr=g.ppr(keep_next=True, first=g.chars(2), outline=0, **body),
              rpr=g.rpr(face=g.HEITI, size=16, bold=False)),
        style("paragraph", "GbHeading2", "二级标题",
              ppr=g.ppr(keep_next=True, first=g.chars(2), outline=1, **body),
              rpr=g.rpr(face=g.KAITI, size=16, bold=False)),
        style("paragraph", "GbBody", "公文正文", ppr=g.ppr(first=g.chars(2), **body), rpr=g.rpr(**fs)),
        style("paragraph", "GbPlain", "顶格正文", ppr=g.ppr(**body), rpr=g.rpr(**fs)),
        style("paragraph", "GbAttachment", "附件标识", ppr=g.ppr(line=LINE, jc="left"),
              rpr=g.rpr(face=g.HEITI, size=16, bold=False)),
        # 发文机关标志 (信函格式): red 小标宋 with the thick-over-thin double line 170 mm long under it.
        style("paragraph", "GbIssuer", "发文机关标志",
              ppr=g.ppr(borders=[g.border("bottom", "thickThinSmallGap", 24, g.RED, 6)], snap=False,
                        before=g.mm(4), line=MARK_LINE, jc="center", **LETTER_RULE),
              rpr=g.rpr(face=g.XBS, size=26, color=g.RED, bold=False)),
        # 纪要标志: red 小标宋, 35 mm below the top of the type area.
        style("paragraph", "GbMark", "纪要标志",
              ppr=g.ppr(snap=False, before=g.mm(35) - (MARK_LINE - 520) // 2, after=LINE // 2,
                        line=MARK_LINE, jc="center"),
              rpr=g.rpr(face=g.XBS, size=26, color=g.RED, bold=False)),
        # 版记: 4号仿宋 (indents and rules are set where it is written).
        style("paragraph", "GbBanji", "版记", ppr=g.ppr(snap=False, line=LINE, jc="left"),
              rpr=g.rpr(face=g.FANGSONG, size=14)),
        style("paragraph", "GbTableText", "表格文字", ppr=g.ppr(snap=False, line=400, jc="left"),
              rpr=g.rpr(face=g.FANGSONG, size=14)),
        style("paragraph", "GbPageNumber", "页码",
              ppr=g.ppr(snap=False, before=0, after=g.PAGE_NUMBER_AFTER, line=280),
              rpr=g.rpr(face=g.SONGTI, size=14)),
        style("character", "GbHei", "黑体标签", rpr=g.rpr(face=g.HEITI)),
        style("character", "GbKai", "楷体文字", rpr=g.rpr(face=g.KAITI)),
        style("character", "GbPlaceholder", "待填写", rpr=g.rpr(shade="FFF2CC")),
    ]
    lang = '<w:lang w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA"/></w:rPr>'
    defaults = ("<w:docDefaults><w:rPrDefault>" + g.rpr(**fs, squeeze=g.CHAR_SQUEEZE).replace("</w:rPr>", lang)
                + "</w:rPrDefault><w:pPrDefault><w:pPr/></w:pPrDefault></w:docDefaults>")
    return f"{DECL}<w:styles {NS}>{defaults}{''.join(defs)}</w:styles>"


SETTINGS = (f'{DECL}<w:settings {NS}><w:zoom w:percent="100"/><w:defaultTabStop w:val="420"/>'
            '<w:evenAndOddHeaders/><w:characterSpacingControl w:val="doNotCompress"/>'
            '<w:compat><w:compatSetting w:name="compatibilityMode" '
            'w:uri="http://schemas.microsoft.com/office/word" w:val="15"/></w:compat>'
            '<w:themeFontLang w:val="en-US" w:eastAsia="zh-CN"/>'
            '<w:decimalSymbol w:val="."/><w:listSeparator w:val=","/></w:settings>')

# Faces as WPS/Word name them; altName is what Word falls back to where the GB2312 face is missing.
FONTS = ((g.FANGSONG, "仿宋", "modern"), (g.KAITI, "楷体", "modern"), (g.XBS, "宋体", "script"),
         (g.HEITI, "SimHei", "modern"), (g.SONGTI, "SimSun", "auto"))
FONT_TABLE = (f"{DECL}<w:fonts {NS}>" + "".join(
    f'<w:font w:name="{name}"><w:altName w:val="{alt}"/><w:charset w:val="86"/>'
    f'<w:family w:val="{family}"/><w:pitch w:val="variable"/></w:font>' for name, alt, family in FONTS)
    + "</w:fonts>")

CORE = (f'{DECL}<cp:coreProperties xmlns:cp="{PKG}/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>oa-liaison</dc:creator></cp:coreProperties>')


def part(root: str, body: str) -> str:
    return f"{DECL}<w:{root} {NS}>{body}</w:{root}>"


def page_number(side: str) -> str:
    """— N —, odd pages right, even pages left, one character in."""
    ind = {"right": g.chars(1)} if side == "right" else {"left": g.chars(1)}
    return part("ftr", g.p(g.r("— "), g.page_field(), g.r(" —"), style="GbPageNumber", jc=side, **ind))


# 信函格式 page 1 footer: the thin-over-thick red line 20 mm above the paper's bottom edge, no number.
LETTER_LOWER_RULE = part("ftr", g.p(
    style="GbPlain", borders=[g.border("bottom", "thinThickSmallGap", 24, g.RED, 0)], snap=False, line=20,
    rpr_xml=g.rpr(size=1), **LETTER_RULE))


def letterhead(top_right: str) -> str:
    """信函格式 page 1 header: an optional top-right mark, then the red issuer name 30 mm from the top."""
    runs = [g.r(top_right, style="GbHei")] if top_right else []
    first = g.p(*runs, style="GbPlain", snap=False, line=LINE, jc="right")
    return part("hdr", first + g.p(g.r("{{ issuer }}"), style="GbIssuer"))


def sect_pr(parts: dict, title_page: bool) -> str:
    out = [f'<w:{kind}Reference w:type="{t}" r:id="{rid}"/>' for rid, (_, kind, t) in parts.items()]
    out.append(f'<w:pgSz w:w="{g.PAGE_W}" w:h="{g.PAGE_H}"/>')
    out.append(f'<w:pgMar w:top="{g.TOP}" w:right="{g.RIGHT}" w:bottom="{g.BOTTOM}" w:left="{g.LEFT}" '
               f'w:header="{g.HEADER}" w:footer="{g.FOOTER}" w:gutter="0"/>')
    out.append('<w:cols w:space="425"/>')
    if title_page:
        out.append("<w:titlePg/>")
    out.append(f'<w:docGrid w:type="lines" w:linePitch="{g.LINE_PITCH}"/>')   # characters: see g.CHAR_SQUEEZE
    return f"<w:sectPr>{''.join(out)}</w:sectPr>"


def head(kind: str) -> str:
    """What precedes the {{ body }} paragraph."""
    if kind == "reply":
        return (g.p(g.r("{{ doc_number }}"), style="GbPlain", jc="right")
                + g.p(g.r("签发人："), g.r("{{ signer }}", style="GbKai"), style="GbPlain", jc="right"))
    if kind == "consultation":
        return g.p(g.r("{{ doc_number }}"), style="GbPlain", jc="right")
    # minutes: 纪要标志, 期号, then the issuing committee and the date over a red line
    return (g.p(g.r("{{ meeting_name }}纪要"), style="GbMark")
            + g.p(g.r("{{ issue_no }}"), style="GbPlain", jc="center")
            + g.p(g.r("{{ committee }}\t{{ date }}"), style="GbPlain", tabs=[("right", g.TEXT_W)],
                  borders=[g.border("bottom", "single", 16, g.RED, 6)]))


def template_parts(kind: str) -> dict[str, bytes]:
    """The parts of one packaged template, in zip order."""
    letter = kind in ("reply", "consultation")
    # relationship id -> (part, header/footer, type)
    hf = {"rIdF1": ("footer1.xml", "footer", "default"), "rIdF2": ("footer2.xml", "footer", "even")}
    content = {"footer1.xml": page_number("right"), "footer2.xml": page_number("left")}
    if letter:
        hf = {"rIdH1": ("header1.xml", "header", "first"), **hf, "rIdF3": ("footer3.xml", "footer", "first")}
        content["header1.xml"] = letterhead("{{ category }}" if kind == "reply" else "")
        content["footer3.xml"] = LETTER_LOWER_RULE
    body = g.p("{{ body }}", style="GbPlain")
    document = part("document", f"<w:body>{head(kind)}{body}{sect_pr(hf, letter)}</w:body>")

    rels = {"rIdS": ("styles", "styles.xml"), "rIdT": ("settings", "settings.xml"),
            "rIdN": ("fontTable", "fontTable.xml"), **{rid: (k, name) for rid, (name, k, _) in hf.items()}}
    overrides = [("/word/document.xml", f"{CT}.document.main+xml"), ("/word/styles.xml", f"{CT}.styles+xml"),
                 ("/word/settings.xml", f"{CT}.settings+xml"), ("/word/fontTable.xml", f"{CT}.fontTable+xml"),
                 ("/docProps/core.xml", "application/vnd.openxmlformats-package.core-properties+xml"),
                 *((f"/word/{name}", f"{CT}.{k}+xml") for name, k, _ in hf.values())]
    overrides.insert(0, ("rels", "application/vnd.openxmlformats-package.relationships+xml"))
    overrides.insert(1, ("xml", "application/xml"))
    content_types = (f'{DECL}<Types xmlns="{PKG}/content-types">' + "".join(
        f'<Default Extension="{n}" ContentType="{t}"/>' if not n.startswith("/") else
        f'<Override PartName="{n}" ContentType="{t}"/>' for n, t in overrides) + "</Types>")
    package_rels = (f'{DECL}<Relationships xmlns="{PKG}/relationships">'
                    f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="word/document.xml"/>'
                    f'<Relationship Id="rId2" Type="{PKG}/relationships/metadata/core-properties" '
                    'Target="docProps/core.xml"/></Relationships>')
    document_rels = (f'{DECL}<Relationships xmlns="{PKG}/relationships">'
                     + "".join(f'<Relationship Id="{rid}" Type="{REL}/{t}" Target="{target}"/>'
                               for rid, (t, target) in rels.items()) + "</Relationships>")
    parts = {"[Content_Types].xml": content_types, "_rels/.rels": package_rels, "docProps/core.xml": CORE,
             "word/document.xml": document, "word/_rels/document.xml.rels": document_rels,
             "word/styles.xml": styles_xml(), "word/settings.xml": SETTINGS, "word/fontTable.xml": FONT_TABLE,
             **{f"word/{name}": content[name] for name in sorted(content)}}
    return {name: text.encode("utf-8") for name, text in parts.items()}


def build(out_dir: Path = PACKAGED) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for kind in ("reply", "consultation", "minutes"):
        path = out_dir / f"{kind}.docx"
        path.write_bytes(zip_parts(template_parts(kind)))
        written.append(path)
    return written


if __name__ == "__main__":
    for path in build(Path(sys.argv[1]) if len(sys.argv) > 1 else PACKAGED):
        print(f"{path} {path.stat().st_size} bytes")
