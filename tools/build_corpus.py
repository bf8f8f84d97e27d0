"""Build tests/corpus/: issued documents written by other programs, and expected.json with their facts.

Generators: python-docx, hand-written WordprocessingML in the shapes WPS writes, LibreOffice (soffice
--convert-to docx from flat ODT and from HTML) and pandoc (from Markdown and HTML). No network.

Run:  .venv/bin/python tools/build_corpus.py [--out tests/corpus] [--only NAME...]
Needs soffice and pandoc on PATH for their files (missing ones are reported and left as they are).
"""
from __future__ import annotations

import argparse
import io
import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]

# ------------------------------------------------------------------------------- the standard document

ISSUER, NUMBER, TITLE = "南部县教育局", "南教发〔2023〕12号", "关于加强校园安全管理工作的通知"
BODY = ["为切实加强校园安全管理，保障师生生命财产安全，现就有关事项通知如下。",
        "一、各学校要落实安全管理主体责任，健全安全工作制度。",
        "二、各学校要加强安全教育，定期开展应急疏散演练。"]
CC = ["县委办公室", "县政府办公室"]


def standard(*, head=(), issuer_mark=True, number=NUMBER, title=TITLE, body=BODY, sign=ISSUER, tail=()) -> list[str]:
    """A GB/T 9704 document's lines: marks, 发文机关标志, 文号, 标题, 主送, 正文, 署名, 日期, 版记."""
    lines = [*head]
    if issuer_mark:
        lines.append(f"{ISSUER}文件")
    if number:
        lines.append(number)
    lines += [title, "各中小学校：", *body, *tail, sign, "2023年5月8日",
              "抄送：县委办公室，县政府办公室。", "南部县教育局办公室　　2023年5月8日印发"]
    return lines


def expect(secrecy=None, *, number=NUMBER, issuer=ISSUER, cc=CC, title=TITLE, **extra) -> dict:
    return {"doc_number": number, "secrecy": secrecy, "issuer": issuer, "cc": list(cc), "title": title, **extra}


# ------------------------------------------------------------------------------------------ python-docx

def pd_doc(lines, *, header=None, first=None, even=None, footer=None, keywords=None, table=None):
    from docx import Document
    doc = Document()
    for line in lines:
        if line is TABLE:
            t = doc.add_table(rows=len(table), cols=len(table[0]))
            for r, row in enumerate(table):
                for c, text in enumerate(row):
                    t.cell(r, c).text = text
        else:
            doc.add_paragraph(line)
    sec = doc.sections[0]
    if header is not None:
        sec.header.paragraphs[0].text = header
    if first is not None:
        sec.different_first_page_header_footer = True
        p = sec.first_page_header.paragraphs[0]
        p.text = first[0]
        for extra in first[1:]:
            sec.first_page_header.add_paragraph(extra)
    if even is not None:
        doc.settings.odd_and_even_pages_header_footer = True
        sec.even_page_header.paragraphs[0].text = even
    if footer is not None:
        sec.footer.paragraphs[0].text = footer
    if keywords is not None:
        doc.core_properties.keywords = keywords
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


TABLE = object()   # where pd_doc puts its table

# ------------------------------------------------------------------------------------ WPS-like XML

W_NS = ('xmlns:wpc="http://schemas.microsoft.com/office/word/2010/wordprocessingCanvas" '
        'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
        'xmlns:o="urn:schemas-microsoft-com:office:office" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
        'xmlns:v="urn:schemas-microsoft-com:vml" '
        'xmlns:w10="urn:schemas-microsoft-com:office:word" '
        'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
        'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
        'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
        'xmlns:wpsCustomData="http://www.wps.cn/officeDocument/2013/wpsCustomData" '
        'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
        'xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml" mc:Ignorable="w14 wp14"')
COMBINE = '<w:rFonts w:hint="eastAsia"/><w:eastAsianLayout w:id="1" w:combine="1"/>'
FONT = '<w:rPr><w:rFonts w:hint="eastAsia" w:ascii="仿宋_GB2312" w:eastAsia="仿宋_GB2312"/><w:sz w:val="32"/></w:rPr>'


def run(text: str, extra: str = "") -> str:
    return f'<w:r>{FONT if not extra else "<w:rPr>" + extra + "</w:rPr>"}<w:t xml:space="preserve">{escape(text)}</w:t></w:r>'


def para(text: str = "", inner: str = "", ppr: str = "") -> str:
    return f'<w:p><w:pPr>{ppr}<w:rPr><w:rFonts w:hint="eastAsia"/></w:rPr></w:pPr>{run(text) if text else ""}{inner}</w:p>'


def paras(lines) -> str:
    return "".join(para(t) for t in lines)


def wps_textbox(lines, *, choice=True, fallback=True) -> str:
    """A floating text box the way WPS (and Word) write it: DrawingML in mc:Choice, VML in mc:Fallback."""
    content = f'<w:txbxContent>{paras(lines)}</w:txbxContent>'
    dml = ('<w:drawing><wp:anchor distT="0" distB="0" distL="114300" distR="114300" simplePos="0" relativeHeight="1" '
           'behindDoc="0" locked="0" layoutInCell="1" allowOverlap="1"><wp:simplePos x="0" y="0"/>'
           '<wp:positionH relativeFrom="column"><wp:posOffset>0</wp:posOffset></wp:positionH>'
           '<wp:positionV relativeFrom="paragraph"><wp:posOffset>0</wp:posOffset></wp:positionV>'
           '<wp:extent cx="1800000" cy="400000"/><wp:effectExtent l="0" t="0" r="0" b="0"/><wp:wrapNone/>'
           '<wp:docPr id="1" name="文本框 1"/><a:graphic><a:graphicData '
           'uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"><wps:wsp><wps:cNvSpPr txBox="1"/>'
           '<wps:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="1800000" cy="400000"/></a:xfrm>'
           f'<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></wps:spPr><wps:txbx>{content}</wps:txbx>'
           '<wps:bodyPr/></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing>')
    vml = (f'<w:pict><v:shape id="文本框 1" o:spid="_x0000_s1026" type="#_x0000_t202" '
           f'style="position:absolute;width:141.75pt;height:31.5pt"><v:textbox>{content}</v:textbox></v:shape></w:pict>')
    if choice and fallback:
        return (f'<w:r><mc:AlternateContent><mc:Choice Requires="wps">{dml}</mc:Choice>'
                f'<mc:Fallback>{vml}</mc:Fallback></mc:AlternateContent></w:r>')
    if fallback:   # a Choice holding a picture group (no text): the text only in the VML copy
        return ('<w:r><mc:AlternateContent><mc:Choice Requires="wpg"><w:drawing><wp:inline><a:graphic><a:graphicData '
                'uri="http://schemas.microsoft.com/office/word/2010/wordprocessingGroup"/></a:graphic></wp:inline>'
                f'</w:drawing></mc:Choice><mc:Fallback>{vml}</mc:Fallback></mc:AlternateContent></w:r>')
    return f'<w:r>{vml}</w:r>'


def wps_docx(body: str, *, headers=(), footers=(), custom=None, core_keywords=None, title_pg=False,
             even=False) -> bytes:
    """A package shaped like WPS Office's: wpsCustomData namespace, KSO properties, headers per type."""
    rels, refs, members, overrides = [], [], {}, []
    for kind, parts in (("header", headers), ("footer", footers)):
        for n, (typ, inner) in enumerate(parts, 1):
            rid = f"rId{100 + len(rels)}"
            name = f"{kind}{n}.xml"
            tag = "hdr" if kind == "header" else "ftr"
            members[f"word/{name}"] = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:{tag} {W_NS}>{inner}</w:{tag}>'
            rels.append(f'<Relationship Id="{rid}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                        f'relationships/{kind}" Target="{name}"/>')
            refs.append(f'<w:{kind}Reference r:id="{rid}" w:type="{typ}"/>')
            overrides.append(f'<Override PartName="/word/{name}" ContentType="application/vnd.openxmlformats-'
                             f'officedocument.wordprocessingml.{kind}+xml"/>')
    sect = (f'<w:sectPr>{"".join(refs)}<w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="2098" w:right="1474" '
            f'w:bottom="1984" w:left="1588" w:header="851" w:footer="992" w:gutter="0"/>'
            f'{"<w:titlePg/>" if title_pg else ""}<w:docGrid w:type="linesAndChars" w:linePitch="579"/></w:sectPr>')
    members["word/document.xml"] = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document {W_NS}>'
                                    f'<w:body>{body}{sect}</w:body></w:document>')
    members["word/_rels/document.xml.rels"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/'
        'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
        f'2006/relationships/settings" Target="settings.xml"/>{"".join(rels)}</Relationships>')
    members["word/settings.xml"] = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:settings {W_NS}>'
                                    f'{"<w:evenAndOddHeaders/>" if even else ""}</w:settings>')
    props = {"KSOProductBuildVer": "2052-11.1.0.14036", "ICV": "6A2B0F3C8D9E4F1A", **(custom or {})}
    members["docProps/custom.xml"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Properties xmlns="http://schemas.openxmlformats.org/'
        'officeDocument/2006/custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/'
        'docPropsVTypes">' + "".join(
            f'<property fmtid="{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}" pid="{i}" name="{escape(k)}">'
            f'<vt:lpwstr>{escape(v)}</vt:lpwstr></property>' for i, (k, v) in enumerate(props.items(), 2))
        + '</Properties>')
    members["docProps/app.xml"] = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Properties '
                                   'xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
                                   '<Application>WPS Office_11.1.0.14036_F1E327BC-269C-435d-A152-05C5408002CA'
                                   '</Application></Properties>')
    members["docProps/core.xml"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><cp:coreProperties xmlns:cp="http://schemas.'
        'openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f'<dc:creator>Administrator</dc:creator>{f"<cp:keywords>{escape(core_keywords)}</cp:keywords>" if core_keywords else ""}'
        '<dcterms:created xsi:type="dcterms:W3CDTF">2023-05-08T08:00:00Z</dcterms:created></cp:coreProperties>')
    members["_rels/.rels"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.'
        'org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/><Relationship Id="rId2" '
        'Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" '
        'Target="docProps/core.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/><Relationship Id="rId4" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties" '
        'Target="docProps/custom.xml"/></Relationships>')
    members["[Content_Types].xml"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/'
        'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/'
        'document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
        '<Override PartName="/word/settings.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'wordprocessingml.settings+xml"/><Override PartName="/docProps/custom.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.custom-properties+xml"/><Override PartName="/docProps/core.xml" '
        'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/><Override PartName="/docProps/'
        'app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
        f'{"".join(overrides)}</Types>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in ("[Content_Types].xml", "_rels/.rels", *sorted(k for k in members if k not in
                                                                    ("[Content_Types].xml", "_rels/.rels"))):
            zf.writestr(name, members[name])
    return out.getvalue()


def field(result: str, code: str = ' DOCPROPERTY  密级  \\* MERGEFORMAT ') -> str:
    return (f'<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve">{escape(code)}'
            f'</w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r>{run(result)}'
            f'<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>')


# ----------------------------------------------------------------------------------------- LibreOffice

def fodt(body_xml: str, *, header=None, header_left=None, first_header=None, footer=None, meta="") -> str:
    """A flat ODT; ``first_header`` uses a 'First Page' master page (LibreOffice writes it as titlePg)."""
    def hf(tag, lines):
        return f"<style:{tag}>" + "".join(f"<text:p>{escape(t)}</text:p>" for t in lines) + f"</style:{tag}>"
    std = (hf("header", header) if header else "") + (hf("header-left", header_left) if header_left else "") \
        + (hf("footer", footer) if footer else "")
    first = (f'<style:master-page style:name="First_20_Page" style:display-name="First Page" '
             f'style:page-layout-name="pm1" style:next-style-name="Standard">{hf("header", first_header)}'
             f'</style:master-page>') if first_header else ""
    return f'''<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
 xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0"
 office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.text">
 <office:meta>{meta}</office:meta>
 <office:automatic-styles>
  <style:page-layout style:name="pm1"><style:page-layout-properties fo:page-width="21cm" fo:page-height="29.7cm"/></style:page-layout>
  <style:style style:name="PFirst" style:family="paragraph" style:master-page-name="First_20_Page"/>
 </office:automatic-styles>
 <office:master-styles>
  <style:master-page style:name="Standard" style:page-layout-name="pm1">{std}</style:master-page>{first}
 </office:master-styles>
 <office:body><office:text>{body_xml}</office:text></office:body>
</office:document>'''


def tp(lines, first_style=False) -> str:
    out = []
    for i, t in enumerate(lines):
        style = ' text:style-name="PFirst"' if first_style and i == 0 else ""
        out.append(f"<text:p{style}>{escape(t)}</text:p>")
    return "".join(out)


def ttable(rows) -> str:
    return ('<table:table table:name="T1">' + f'<table:table-column table:number-columns-repeated="{len(rows[0])}"/>'
            + "".join("<table:table-row>" + "".join(f"<table:table-cell><text:p>{escape(c)}</text:p></table:table-cell>"
                                                      for c in row) + "</table:table-row>" for row in rows)
            + "</table:table>")


def html_doc(body: str, title: str | None = "公文") -> str:
    # pandoc turns <title> into a Title paragraph above everything: its cases go without one.
    head = f"<title>{title}</title>" if title else ""
    return f'<!DOCTYPE html><html><head><meta charset="utf-8">{head}</head><body>{body}</body></html>'


def hp(lines) -> str:
    return "".join(f"<p>{escape(t)}</p>" for t in lines)


# --------------------------------------------------------------------------------------------- cases

def cases() -> list[dict]:
    """Every corpus file: name, generator, source, expected facts (doc_number, secrecy, issuer, cc, title)."""
    c = []

    def add(name, gen, src, exp, note):
        c.append({"name": name, "generator": gen, "source": src, "expected": exp, "layout": note})

    # python-docx
    add("pd_header_default", "python-docx", pd_doc(standard(), header="秘密★6个月"), expect("秘密", period="6个月"),
        "密级 in the default header")
    add("pd_header_first", "python-docx", pd_doc(standard(), header="南部县教育局", first=["机密★1年"]),
        expect("机密", period="1年"), "密级 in the first-page header (titlePg)")
    add("pd_header_even", "python-docx", pd_doc(standard(), header="南部县教育局", even="秘密"), expect("秘密"),
        "密级 in the even-page header (evenAndOddHeaders)")
    add("pd_footer", "python-docx", pd_doc(standard(), footer="绝密★长期"), expect("绝密", period="长期"),
        "密级 in the footer")
    add("pd_banner_in_header", "python-docx",
        pd_doc(standard(issuer_mark=False, number=None), first=["000012", "秘密★1年", f"{ISSUER}文件", NUMBER]),
        expect("秘密", period="1年"), "the whole 版头 (份号, 密级, issuer, 文号) in the first-page header")
    add("pd_letter_line", "python-docx",
        pd_doc(["南部县人民政府办公室", "秘密\t南府办函〔2023〕56号", "关于报送2023年民生实事项目进展情况的函",
                "县级各部门：", "请于5月20日前报送进展情况。", "南部县人民政府办公室", "2023年5月8日",
                "抄送：县委办公室。"]),
        expect("秘密", number="南府办函〔2023〕56号", issuer="南部县人民政府办公室", cc=["县委办公室"],
               title="关于报送2023年民生实事项目进展情况的函"), "信函格式: bare 秘密, tab, 文号 on one line")
    add("pd_letter_marks_stacked", "python-docx",
        pd_doc(["南部县人民政府办公室", "000012", "机密★1年", "特急\t南府办函〔2023〕57号", "关于做好防汛工作的函",
                "各乡镇人民政府：", "请做好防汛准备。", "南部县人民政府办公室", "2023年5月8日"]),
        expect("机密", number="南府办函〔2023〕57号", issuer="南部县人民政府办公室", cc=[], title="关于做好防汛工作的函",
               urgency="特急"), "信函格式: 份号, 密级 stacked, 特急⇥文号 on the last line")
    add("pd_table_cell", "python-docx", pd_doc([TABLE, *standard()], table=[["000012", "秘密★1年"]]),
        expect("秘密", period="1年"), "份号 and 密级 in a table above the 版头")
    add("pd_spaced_fullwidth", "python-docx", pd_doc(standard(head=["秘　密"])), expect("秘密"),
        "spaced with an ideographic space: 秘　密")
    add("pd_spaced_ascii", "python-docx", pd_doc(standard(head=["机 密★１年"])), expect("机密", period="1年"),
        "spaced ASCII and a full-width digit: 机 密★１年")
    add("pd_star_white", "python-docx", pd_doc(standard(head=["秘密☆6个月"])), expect("秘密", period="6个月"),
        "☆ instead of ★")
    add("pd_star_ascii", "python-docx", pd_doc(standard(head=["秘密*6个月"])), expect("秘密", period="6个月"),
        "* instead of ★")
    add("pd_labelled", "python-docx", pd_doc(standard(head=["密级：秘密　保密期限：6个月"])),
        expect("秘密", period="6个月"), "密级：秘密　保密期限：6个月")
    add("pd_traditional", "python-docx", pd_doc(standard(head=["絕密★10年"])), expect("绝密", period="10年"),
        "traditional 絕密")
    add("pd_core_keywords", "python-docx", pd_doc(standard(), keywords="秘密;教育"), expect("秘密"),
        "密级 only in docProps/core.xml keywords")
    # unclassified, python-docx
    add("pd_plain", "python-docx", pd_doc(standard()), expect(), "control: no mark")
    add("pd_prose_secret", "python-docx",
        pd_doc(standard(body=["做好保密工作，严防泄露国家秘密。", "涉及机密的材料一律不得通过互联网传输。",
                              "本通知不涉及秘密事项。"])), expect(), "control: prose mentioning 秘密/机密")
    add("pd_title_baomi", "python-docx", pd_doc(standard(title="关于做好保密工作的通知")),
        expect(title="关于做好保密工作的通知"), "control: title 关于做好保密工作的通知")
    add("pd_header_plain", "python-docx", pd_doc(standard(), header="南部县教育局", footer="— 1 —"), expect(),
        "control: ordinary header and page-number footer")
    add("pd_letter_urgent", "python-docx",
        pd_doc(["南部县人民政府办公室", "特急\t南府办函〔2023〕58号", "关于报送统计数据的函", "县级各部门：",
                "请于5月20日前报送。", "南部县人民政府办公室", "2023年5月8日"]),
        expect(number="南府办函〔2023〕58号", issuer="南部县人民政府办公室", cc=[], title="关于报送统计数据的函",
               urgency="特急"), "control: 信函格式 特急⇥文号, no 密级")

    # WPS-like
    add("wps_textbox", "wps-xml", wps_docx(para("", wps_textbox(["秘密★1年"])) + paras(standard())),
        expect("秘密", period="1年"), "密级 in a DrawingML text box (with its VML copy in mc:Fallback)")
    add("wps_textbox_vml_only", "wps-xml", wps_docx(para("", wps_textbox(["机密★1年"], choice=False, fallback=False))
                                                      + paras(standard())),
        expect("机密", period="1年"), "密级 in a VML-only text box (w:pict/v:textbox)")
    add("wps_textbox_fallback_only", "wps-xml",
        wps_docx(para("", wps_textbox(["绝密★长期"], choice=False, fallback=True)) + paras(standard())),
        expect("绝密", period="长期"), "密级 in a text box whose only copy is the mc:Fallback (VML)")
    add("wps_signature_textbox", "wps-xml",
        wps_docx(paras(standard()[:-4]) + para(ISSUER, wps_textbox(["秘密★6个月"])) + paras(standard()[-3:])),
        expect("秘密", period="6个月"), "密级 in a text box anchored in the signature paragraph")
    add("wps_custom_property", "wps-xml", wps_docx(paras(standard()), custom={"密级": "机密"}), expect("机密"),
        "密级 only in docProps/custom.xml (property 密级)")
    add("wps_header_banner", "wps-xml",
        wps_docx(paras(standard(issuer_mark=False, number=None)),
                 headers=[("first", paras(["秘密★1年", f"{ISSUER}文件", NUMBER])), ("default", paras([""]))],
                 title_pg=True), expect("秘密", period="1年"), "WPS first-page header with 密级, issuer, 文号")
    add("wps_header_even", "wps-xml",
        wps_docx(paras(standard()), headers=[("default", paras(["南部县教育局"])), ("even", paras(["机密"]))],
                 even=True), expect("机密"), "WPS even-page header")
    add("wps_footer", "wps-xml", wps_docx(paras(standard()), footers=[("default", paras(["秘密★6个月"]))]),
        expect("秘密", period="6个月"), "WPS footer")
    add("wps_content_control", "wps-xml",
        wps_docx('<w:sdt><w:sdtPr><w:alias w:val="密级"/><w:tag w:val="secrecy"/></w:sdtPr><w:sdtContent>'
                 + para("秘密★1年") + '</w:sdtContent></w:sdt>' + paras(standard())),
        expect("秘密", period="1年"), "密级 in a block content control (w:sdt)")
    add("wps_field_result", "wps-xml", wps_docx(field("机密★1年") + paras(standard()), custom={"密级": "机密★1年"}),
        expect("机密", period="1年"), "密级 as a DOCPROPERTY field's result")
    add("wps_tracked_insertion", "wps-xml",
        wps_docx('<w:p><w:ins w:id="1" w:author="张三" w:date="2023-05-08T08:00:00Z">' + run("秘密★1年")
                 + '</w:ins></w:p>' + paras(standard())), expect("秘密", period="1年"), "密级 as a tracked insertion")
    add("wps_frame", "wps-xml", wps_docx(para("机密", ppr='<w:framePr w:w="2000" w:hSpace="180" w:wrap="around" '
                                                     'w:vAnchor="text" w:hAnchor="page" w:x="1588" w:y="1"/>')
                                           + paras(standard())), expect("机密"), "密级 in a frame (w:framePr)")
    add("wps_wordart", "wps-xml",
        wps_docx('<w:p><w:r><w:pict><v:shape id="s1" type="#_x0000_t136" style="width:80pt;height:20pt">'
                 '<v:textpath style="font-family:黑体" string="秘密"/></v:shape></w:pict></w:r></w:p>'
                 + paras(standard())), expect("秘密"), "密级 as WordArt (v:textpath)")
    # unclassified WPS-like
    add("wps_tracked_deletion", "wps-xml",
        wps_docx('<w:p><w:del w:id="1" w:author="张三" w:date="2023-05-08T08:00:00Z"><w:r><w:delText>秘密★1年'
                 '</w:delText></w:r></w:del></w:p>' + paras(standard())), expect(),
        "control: a 密级 deleted with tracked changes does not count")
    add("wps_field_code_only", "wps-xml", wps_docx(field("", ' IF 1 = 0 "秘密" "" ') + paras(standard())), expect(),
        "control: 秘密 only in a field code, not its result")
    add("wps_custom_public", "wps-xml", wps_docx(paras(standard()), custom={"密级": "公开"}), expect(),
        "control: custom property 密级 = 公开")
    add("wps_joint_combined", "wps-xml",
        wps_docx("<w:p>" + run("南部县财政局南部县教育局", COMBINE) + run("文件") + "</w:p>" + paras(standard(issuer_mark=False, number="南财发〔2023〕5号", sign="南部县财政局"))),
        expect(number="南财发〔2023〕5号", issuer="南部县财政局"), "control: 联合行文 issuer written 双行合一")
    add("wps_joint_table", "wps-xml",
        wps_docx('<w:tbl><w:tr><w:tc>' + para("南部县财政局") + '</w:tc><w:tc><w:tcPr><w:vMerge w:val="restart"/>'
                 '</w:tcPr>' + para("文件") + '</w:tc></w:tr><w:tr><w:tc>' + para("南部县教育局")
                 + '</w:tc><w:tc><w:tcPr><w:vMerge/></w:tcPr>' + para("") + '</w:tc></w:tr></w:tbl>'
                 + paras(standard(issuer_mark=False, number="南财发〔2023〕6号", sign="南部县财政局"))),
        expect(number="南财发〔2023〕6号", issuer="南部县财政局"), "control: 联合行文 issuer in a two-row table")
    add("wps_banji_table", "wps-xml",
        wps_docx(paras(standard()[:-2]) + '<w:tbl><w:tr><w:tc>' + para("抄送：县委办公室，县政府办公室")
                 + '</w:tc></w:tr><w:tr><w:tc>' + para("南部县教育局办公室") + '</w:tc><w:tc>'
                 + para("2023年5月8日印发") + '</w:tc></w:tr></w:tbl>'),
        expect(), "control: table-form 版记, 印发机关 cell apart from the last 抄送 name")

    # LibreOffice from flat ODT
    add("lo_fodt_header_first", "libreoffice-fodt",
        fodt(tp(standard(), first_style=True), header=["南部县教育局"], first_header=["秘密★6个月"]),
        expect("秘密", period="6个月"), "LibreOffice: 密级 in the first-page header")
    add("lo_fodt_header_even", "libreoffice-fodt",
        fodt(tp(standard()), header=["南部县教育局"], header_left=["机密★1年"]), expect("机密", period="1年"),
        "LibreOffice: 密级 in the left (even) page header")
    add("lo_fodt_footer", "libreoffice-fodt", fodt(tp(standard()), footer=["秘密"]), expect("秘密"),
        "LibreOffice: 密级 in the footer")
    add("lo_fodt_frame", "libreoffice-fodt",
        fodt('<text:p><draw:frame draw:name="F1" text:anchor-type="paragraph" svg:width="4cm" svg:height="1cm">'
             '<draw:text-box><text:p>秘密★1年</text:p></draw:text-box></draw:frame></text:p>' + tp(standard())),
        expect("秘密", period="1年"), "LibreOffice: 密级 in a text frame (exported as a text box)")
    add("lo_fodt_table", "libreoffice-fodt", fodt(ttable([["000012", "机密★1年"]]) + tp(standard())),
        expect("机密", period="1年"), "LibreOffice: 份号 and 密级 in a table")
    add("lo_fodt_tracked", "libreoffice-fodt",
        fodt('<text:tracked-changes><text:changed-region text:id="ct1"><text:insertion><office:change-info>'
             '<dc:creator>张三</dc:creator><dc:date>2023-05-08T08:00:00</dc:date></office:change-info></text:insertion>'
             '</text:changed-region></text:tracked-changes><text:p><text:change-start text:change-id="ct1"/>秘密★1年'
             '<text:change-end text:change-id="ct1"/></text:p>' + tp(standard())),
        expect("秘密", period="1年"), "LibreOffice: 密级 as a tracked insertion")
    add("lo_fodt_meta", "libreoffice-fodt",
        fodt(tp(standard()), meta='<meta:user-defined meta:name="密级">机密</meta:user-defined>'),
        expect("机密"), "LibreOffice: 密级 as a user-defined document property (custom.xml)")
    add("lo_fodt_field", "libreoffice-fodt",
        fodt('<text:p><text:user-defined text:name="密级">秘密★6个月</text:user-defined></text:p>' + tp(standard()),
             meta='<meta:user-defined meta:name="密级">秘密★6个月</meta:user-defined>'),
        expect("秘密", period="6个月"), "LibreOffice: 密级 as a document-property field")
    add("lo_fodt_deleted", "libreoffice-fodt",
        fodt('<text:tracked-changes><text:changed-region text:id="ct2"><text:deletion><office:change-info>'
             '<dc:creator>张三</dc:creator><dc:date>2023-05-08T08:00:00</dc:date></office:change-info>'
             '<text:p>绝密★长期</text:p></text:deletion></text:changed-region></text:tracked-changes>'
             '<text:p><text:change text:change-id="ct2"/></text:p>' + tp(standard())),
        expect(), "control (LibreOffice): a 密级 deleted with tracked changes does not count")
    add("lo_fodt_banji_table", "libreoffice-fodt",
        fodt(tp(standard()[:-2]) + ttable([["抄送：县委办公室，县政府办公室", ""], ["南部县教育局办公室", "2023年5月8日印发"]])),
        expect(), "control (LibreOffice): table-form 版记")
    # LibreOffice from HTML
    add("lo_html_mark", "libreoffice-html", html_doc(hp(standard(head=["000012", "秘密★1年", "特急"]))),
        expect("秘密", period="1年", urgency="特急"), "LibreOffice from HTML: marks above the 版头")
    add("lo_html_plain", "libreoffice-html", html_doc(hp(standard(title="关于做好保密工作的通知"))),
        expect(title="关于做好保密工作的通知"), "control (LibreOffice from HTML)")

    # pandoc
    md = "\n\n".join(standard(head=["机密★1年"]))
    add("pandoc_md_mark", "pandoc-markdown", md, expect("机密", period="1年"), "pandoc from Markdown: 密级 line")
    add("pandoc_md_labelled", "pandoc-markdown", "\n\n".join(standard(head=["密级：秘密　保密期限：6个月"])),
        expect("秘密", period="6个月"), "pandoc from Markdown: 密级：秘密　保密期限：6个月")
    add("pandoc_html_table", "pandoc-html",
        html_doc("<table><tr><td>000012</td><td>秘密★6个月</td></tr></table>" + hp(standard()), None),
        expect("秘密", period="6个月"), "pandoc from HTML: 密级 in a table cell")
    add("pandoc_html_letter", "pandoc-html",
        html_doc(hp(["南部县人民政府办公室"]) + "<p>秘密&emsp;&emsp;南府办函〔2023〕59号</p>"
                 + hp(["关于报送统计数据的函", "县级各部门：", "请于5月20日前报送。", "南部县人民政府办公室", "2023年5月8日"]), None),
        expect("秘密", number="南府办函〔2023〕59号", issuer="南部县人民政府办公室", cc=[], title="关于报送统计数据的函"),
        "pandoc from HTML: 信函格式 line with em spaces")
    add("pandoc_md_plain", "pandoc-markdown", "\n\n".join(standard(body=["做好保密工作，严防泄露国家秘密。"])),
        expect(), "control (pandoc): prose mentioning 国家秘密")
    return c


# ------------------------------------------------------------------------------------------- building

def convert(cases_: list[dict], out: Path) -> list[str]:
    """Write every case's .docx into ``out``; returns the names that could not be built."""
    missing = []
    with tempfile.TemporaryDirectory(prefix="corpus-") as tmp:
        tmp = Path(tmp)
        by_tool: dict[str, list[dict]] = {}
        for case in cases_:
            by_tool.setdefault(case["generator"], []).append(case)
        for case in by_tool.pop("python-docx", []) + by_tool.pop("wps-xml", []):
            (out / f"{case['name']}.docx").write_bytes(case["source"])
        soffice = shutil.which("soffice") or shutil.which("libreoffice")
        for gen, ext, infilter in (("libreoffice-fodt", "fodt", None), ("libreoffice-html", "html", "HTML (StarWriter)")):
            group = by_tool.pop(gen, [])
            if not group:
                continue
            if soffice is None:
                missing += [c["name"] for c in group]
                continue
            srcs = []
            for case in group:
                src = tmp / f"{case['name']}.{ext}"
                src.write_text(case["source"], "utf-8")
                srcs.append(str(src))
            cmd = [soffice, f"-env:UserInstallation=file://{tmp}/profile", "--headless", "--norestore"]
            if infilter:
                cmd.append(f"--infilter={infilter}")
            subprocess.run([*cmd, "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(tmp / "lo"), *srcs],
                           check=True, capture_output=True, timeout=300)
            for case in group:
                built = tmp / "lo" / f"{case['name']}.docx"
                if built.exists():
                    shutil.copyfile(built, out / built.name)
                else:
                    missing.append(case["name"])
        pandoc = shutil.which("pandoc")
        for gen, fmt in (("pandoc-markdown", "markdown"), ("pandoc-html", "html")):
            for case in by_tool.pop(gen, []):
                if pandoc is None:
                    missing.append(case["name"])
                    continue
                subprocess.run([pandoc, "-f", fmt, "-t", "docx", "-o", str(out / f"{case['name']}.docx")],
                               input=case["source"].encode(), check=True, timeout=120)
    return missing


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "tests" / "corpus")
    ap.add_argument("--only", nargs="*", help="build only these names (expected.json is still written whole)")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    all_cases = cases()
    todo = [c for c in all_cases if not args.only or c["name"] in args.only]
    missing = convert(todo, args.out)
    expected = {c["name"]: {"generator": c["generator"], "layout": c["layout"], **c["expected"]} for c in all_cases}
    (args.out / "expected.json").write_text(json.dumps(expected, ensure_ascii=False, indent=1) + "\n", "utf-8")
    classified = sum(1 for c in all_cases if c["expected"]["secrecy"])
    print(f"{len(todo) - len(missing)} built in {args.out}, {len(all_cases)} cases ({classified} classified)")
    if missing:
        print("not built (generator missing): " + ", ".join(missing), file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
