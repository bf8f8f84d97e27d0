"""Build tests/corpus/formats/: issued documents as OFD and PDF files, each with a sidecar NAME.EXT.json.

PDFs: LibreOffice (soffice --headless --convert-to pdf) converts .docx files made by documents.samples and
python-docx (a 通知, a 报告 to 县人大常委会, a 信函格式 函; classified and not; a mark only in the page header;
the newer 密级 spellings); pypdf adds Info keys to one; a scan is pdftoppm's picture of a page wrapped back
into a PDF by img2pdf; qpdf encrypts two (one with an open password, one with an owner password only).
OFDs: no OFD writer is available here, so ``ofd_package`` below writes GB/T 33190-2016 packages itself
(OFD.xml, Doc_0/Document.xml, PublicRes.xml with fonts, Pages/Page_N/Content.xml, Tpls/Tpl_0/Content.xml for
a template page header, DocInfo CustomDatas, Signs/, Annots/), laying the same documents out like a 套红
正式公文.

Run:  .venv/bin/python tools/build_corpus_ofd_pdf.py [--out tests/corpus/formats] [--only NAME...]
Needs (no network): soffice, pdftoppm and qpdf on PATH (apt-get install libreoffice-writer poppler-utils qpdf)
and, in the venv, img2pdf and pypdf (tools only, not dependencies of the plugin). The OFD writer and the
small PDF writer (``simple_pdf``, for tests and the benchmark) need nothing. Regenerated PDFs differ byte
for byte (timestamps), not in their facts.
"""
from __future__ import annotations

import argparse
import datetime
import io
import json
import random
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from oa_liaison_plugin.documents.samples import make_issued_docx  # noqa: E402

OUT = ROOT / "tests" / "corpus" / "formats"
OFD_GENERATOR = "tools/build_corpus_ofd_pdf.py OFD writer (GB/T 33190-2016)"


# ------------------------------------------------------------------------------------------- the documents

@dataclass
class Doc:
    """An issued document's elements (GB/T 9704), the same for its .docx, PDF and OFD."""
    issuer: str
    doc_number: str
    title: str
    recipients: list[str]
    body: list[str]
    cc: list[str]
    date: datetime.date
    secrecy: str | None = None
    period: str | None = None
    copy_number: str | None = None
    urgency: str | None = None
    letter: bool = False          # 信函格式: the mark and the 文号 on one line under the 发文机关标志
    attachments: list[str] = field(default_factory=list)

    @property
    def mark(self) -> str | None:
        if not self.secrecy:
            return None
        return f"{self.secrecy}★{self.period}" if self.period else self.secrecy


NOTICE = Doc("南部县教育局", "南教发〔2023〕12号", "关于加强校园安全管理工作的通知", ["各中小学校", "县直属各学校"],
             ["为切实加强校园安全管理，保障师生生命财产安全，维护正常教育教学秩序，根据上级有关文件精神，"
              "结合我县实际，现就有关事项通知如下。",
              "一、落实安全管理主体责任",
              "各学校校长是本校安全工作第一责任人，要健全安全工作制度，明确岗位职责，层层签订安全目标责任书。",
              "二、加强安全教育和应急演练",
              "各学校要将安全教育纳入教学计划，每学期至少开展两次应急疏散演练，提高师生自救互救能力。",
              "三、强化督查考核",
              "县教育局将会同有关部门开展专项督查，对工作不力、发生安全责任事故的单位严肃追责问责。"],
             ["县委办公室", "县政府办公室"], datetime.date(2023, 5, 8))
REPORT = Doc("南部县财政局", "南财发〔2023〕8号", "关于2022年县级财政预算执行情况的报告", ["县人大常委会"],
             ["县人大常委会：受县人民政府委托，现将2022年县级财政预算执行情况报告如下，请予审议。",
              "一、一般公共预算执行情况",
              "2022年全县一般公共预算收入完成年度预算的百分之一百零二，同比增长百分之六点八；"
              "一般公共预算支出完成调整预算的百分之九十七。",
              "二、政府性基金预算执行情况",
              "全县政府性基金预算收入完成年度预算的百分之九十一，主要是国有土地使用权出让收入减少。",
              "三、下一步工作措施",
              "我局将严格落实过紧日子要求，加强预算绩效管理，规范政府债务管理，守住不发生系统性风险的底线。"],
             ["县委办公室", "县政府办公室", "县审计局"], datetime.date(2023, 6, 20))
LETTER = Doc("南部县教育局", "南教函〔2023〕5号", "关于商请协助开展校园周边环境集中整治的函", ["县公安局"],
             ["为营造安全稳定的校园周边环境，我局拟于2023年9月开学前后开展校园周边环境集中整治行动。",
              "现商请贵局指派熟悉治安管理的同志参加联合检查组，并在上下学时段加强校园周边巡逻防控。",
              "妥否，请函复。"],
             ["县政府办公室"], datetime.date(2023, 8, 21), secrecy="秘密", period="1年", letter=True)


def as_docx(doc: Doc, *, header: str | None = None, keywords: str | None = None) -> bytes:
    """The document as .docx: documents.samples' GB/T 9704 layout; a 函 in 信函格式, a page header if given."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
    from docx.shared import Twips

    from oa_liaison_plugin.documents.samples import TYPE_WIDTH
    data = make_issued_docx(issuer=doc.issuer, doc_number=doc.doc_number, title=doc.title,
                            main_recipients=doc.recipients, body_paragraphs=doc.body, cc=doc.cc,
                            secrecy=None if doc.letter else doc.secrecy, secrecy_period=doc.period,
                            copy_number=doc.copy_number, urgency=doc.urgency, date=doc.date,
                            attachments=doc.attachments)
    if not (doc.letter or header or keywords):
        return data
    d = Document(io.BytesIO(data))
    if doc.letter:   # 信函格式: "南部县教育局" (no 文件) and "秘密★1年⇥南教函〔2023〕5号" under it
        for p in d.paragraphs:
            if p.text == f"{doc.issuer}文件":
                p.runs[0].text = doc.issuer
            elif p.text == doc.doc_number:
                p.runs[0].text = f"{doc.mark}\t{doc.doc_number}" if doc.mark else f"\t{doc.doc_number}"
                p.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT
                p.paragraph_format.tab_stops.add_tab_stop(Twips(TYPE_WIDTH), WD_TAB_ALIGNMENT.RIGHT)
    if header is not None:
        p = d.sections[0].header.paragraphs[0]
        p.text = header
        p.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if keywords is not None:
        d.core_properties.keywords = keywords
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


# ------------------------------------------------------------------------------------------- typesetting

# A4 and GB/T 9704's type area (mm): 156 × 225 from 28 mm left and 37 mm top; 22 lines of 28 characters in 3号.
PAGE_W, PAGE_H, LEFT, TOP, WIDTH, HEIGHT = 210.0, 297.0, 28.0, 37.0, 156.0, 225.0
PITCH, LINE = WIDTH / 28, HEIGHT / 22
SIZE3, SIZE2, SIZE4 = 5.64, 7.76, 4.94      # 3号 16 pt, 2号 22 pt, 4号 14 pt
BLACK, RED = "0 0 0", "255 0 0"
FONTS = {"仿宋": 2, "黑体": 3, "小标宋": 4, "楷体": 5}


@dataclass
class Run:
    """Text on a page: baseline (x, y) in mm, size, character pitch, font and colour."""
    x: float
    y: float
    size: float
    text: str
    pitch: float = PITCH
    font: str = "仿宋"
    color: str = BLACK


def _centred(y: float, text: str, size: float, pitch: float, **kw) -> Run:
    return Run(LEFT + (WIDTH - len(text) * pitch) / 2, y, size, text, pitch, **kw)


def _right(y: float, text: str, size: float = SIZE3, pitch: float = PITCH, indent: int = 0, **kw) -> Run:
    return Run(LEFT + WIDTH - (len(text) + indent) * pitch, y, size, text, pitch, **kw)


def _wrap(text: str, first_indent: int = 2, per_line: int = 28) -> list[tuple[int, str]]:
    out, rest, indent = [], text, first_indent
    while rest:
        n = per_line - indent
        out.append((indent, rest[:n]))
        rest, indent = rest[n:], 0
    return out


def typeset(doc: Doc) -> tuple[list[list[Run]], list[tuple[float, float, float, float, str]]]:
    """The document's pages as runs, and its rules (x1, y1, x2, y2, colour) on the first and last page."""
    pages: list[list[Run]] = [[]]
    rules = []
    slot = 0   # the next line of the type area on the current page

    def line_y(n: int) -> float:
        return TOP + (n + 1) * LINE - (LINE - SIZE3) / 2

    def put(runs_for_y) -> None:
        nonlocal slot
        if slot >= 22:
            pages.append([])
            slot = 0
        pages[-1].extend(runs_for_y(line_y(slot)))
        slot += 1

    if doc.copy_number:
        put(lambda y: [Run(LEFT, y, SIZE3, doc.copy_number, PITCH / 2, "黑体")])
    if doc.mark and not doc.letter:
        put(lambda y: [Run(LEFT, y, SIZE3, doc.mark, PITCH, "黑体")])
    if doc.urgency:
        put(lambda y: [Run(LEFT, y, SIZE3, doc.urgency, PITCH, "黑体")])
    if doc.letter:   # 信函格式: 发文机关标志 30 mm from the page's top, a red double rule, then mark and number
        pages[-1].append(_centred(30.0 + 10.0, doc.issuer, 10.0, 11.0, font="小标宋", color=RED))
        rules += [(LEFT - 5, y, LEFT + WIDTH + 5, y, RED) for y in (47.0, 48.2)]
        slot = 2
        put(lambda y: ([Run(LEFT, y, SIZE3, doc.mark, PITCH, "黑体")] if doc.mark else [])
            + [_right(y, doc.doc_number, pitch=PITCH * 0.8)])
    else:
        mark = f"{doc.issuer}文件"
        pages[-1].append(_centred(TOP + 35.0 + 12.0, mark, 12.0, 13.0, font="小标宋", color=RED))
        slot = 6
        put(lambda y: [_centred(y, doc.doc_number, SIZE3, PITCH * 0.8)])
        rules.append((LEFT, line_y(slot - 1) + 4.0, LEFT + WIDTH, line_y(slot - 1) + 4.0, RED))
    slot += 1
    for part in _wrap(doc.title, 0, 20):
        put(lambda y, t=part[1]: [_centred(y, t, SIZE2, SIZE2 * 1.02, font="小标宋")])
    slot += 1
    put(lambda y: [Run(LEFT, y, SIZE3, "、".join(doc.recipients) + "：")])
    for para in doc.body:
        face = "黑体" if para[:2] in ("一、", "二、", "三、", "四、") else "仿宋"
        for indent, text in _wrap(para):
            put(lambda y, t=text, i=indent: [Run(LEFT + i * PITCH, y, SIZE3, t, font=face)])
    slot += 2
    date = f"{doc.date.year}年{doc.date.month}月{doc.date.day}日"
    put(lambda y: [_right(y, doc.issuer, indent=4)])
    put(lambda y: [_right(y, date, indent=2)])
    # 版记 at the foot of the last page: 抄送 and 印发 lines between rules
    if slot > 19:
        pages.append([])
    last = pages[-1]
    y_cc, y_print = line_y(20), line_y(21)
    last.append(Run(LEFT + SIZE4, y_cc, SIZE4, "抄送：" + "，".join(doc.cc) + "。", SIZE4))
    printer = doc.issuer if doc.issuer.endswith("办公室") else f"{doc.issuer}办公室"
    last.append(Run(LEFT + SIZE4, y_print, SIZE4, printer, SIZE4))
    last.append(_right(y_print, f"{date}印发", SIZE4, SIZE4, indent=1))
    for y in (y_cc - SIZE4 - 2.0, y_print - SIZE4 - 2.0, y_print + 3.0):
        rules.append((LEFT, y, LEFT + WIDTH, y, BLACK))
    for n, page in enumerate(pages, 1):   # 页码: "— 1 —" 7 mm under the type area
        number = f"— {n} —"
        x = LEFT + WIDTH - 14 * SIZE4 / 2 if n % 2 else LEFT + SIZE4
        page.append(Run(x, TOP + HEIGHT + 7.0 + SIZE4, SIZE4, number, SIZE4 / 2, "仿宋"))
    return pages, rules


# ------------------------------------------------------------------------------------------- OFD writer

OFD_NS = "http://www.ofdspec.org/2016"
XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'


def _f(v: float) -> str:
    return f"{v:.3f}".rstrip("0").rstrip(".")


class _Ids:
    def __init__(self, start: int = 100):
        self.n = start

    def __call__(self) -> int:
        self.n += 1
        return self.n


def _text_objects(runs: list[Run], ids: _Ids, *, one_char: bool,
                  split: dict[str, list[str]] | None = None) -> list[str]:
    """TextObjects for runs: one per run (a TextCode with DeltaX), or one per character; ``split`` cuts a
    run's text into several TextObjects side by side (a mark split across objects)."""
    out = []
    for r in runs:
        parts = (split or {}).get(r.text) or [r.text]
        if one_char:
            parts = list(r.text)
        x = r.x
        for part in parts:
            delta = f' DeltaX="g {len(part) - 1} {_f(r.pitch)}"' if len(part) > 1 else ""
            out.append(f'<ofd:TextObject ID="{ids()}" Boundary="{_f(x)} {_f(r.y - r.size)} '
                       f'{_f(len(part) * r.pitch + 1)} {_f(r.size * 1.3)}" Font="{FONTS[r.font]}" '
                       f'Size="{_f(r.size)}"><ofd:FillColor Value="{r.color}"/>'
                       f'<ofd:TextCode X="0" Y="{_f(r.size)}"{delta}>{escape(part)}</ofd:TextCode>'
                       '</ofd:TextObject>')
            x += len(part) * r.pitch
    return out


def _path(ids: _Ids, rule) -> str:
    x1, y1, x2, y2, color = rule
    return (f'<ofd:PathObject ID="{ids()}" Boundary="{_f(x1)} {_f(y1 - 0.5)} {_f(x2 - x1)} 1" '
            f'LineWidth="0.35"><ofd:StrokeColor Value="{color}"/>'
            f'<ofd:AbbreviatedData>M 0 0.5 L {_f(x2 - x1)} 0.5'
            f'</ofd:AbbreviatedData></ofd:PathObject>')


def _content(objects: list[str], ids: _Ids, *, template: str | None = None, root: str = "Page") -> str:
    tpl = f'<ofd:Template TemplateID="{template}" ZOrder="Background"/>' if template else ""
    return (f'{XML_HEAD}<ofd:{root} xmlns:ofd="{OFD_NS}">{tpl}<ofd:Area><ofd:PhysicalBox>0 0 {_f(PAGE_W)} '
            f'{_f(PAGE_H)}</ofd:PhysicalBox></ofd:Area><ofd:Content><ofd:Layer ID="{ids()}" Type="Body">'
            f'{"".join(objects)}</ofd:Layer></ofd:Content></ofd:{root}>')


def ofd_package(pages: list[list[Run]], *, rules=(), title: str = "", template: list[Run] | None = None,
                custom: dict[str, str] | None = None, one_char: bool = False, seed: int = 0,
                split: dict[str, list[str]] | None = None, images: list[bytes] | None = None,
                signed: bool = False, annotations: dict[int, str] | None = None,
                keywords: list[str] = (), members: dict[str, bytes] | None = None) -> bytes:
    """An OFD package (GB/T 33190-2016) of the pages. ``one_char``: one TextObject per character, written in
    an order shuffled by ``seed``; ``template``: a template page (page header) every page uses; ``custom``:
    DocInfo CustomDatas; ``images``: PNG pages as ImageObjects instead of text (a scan); ``signed``: a Signs/
    folder (a signature the reader must step over); ``annotations``: page index -> a stamp annotation's
    remark; ``members``: extra or replacing package members (hostile files for tests)."""
    ids = _Ids()
    files: dict[str, bytes] = {}
    fonts = "".join(f'<ofd:Font ID="{i}" FontName="{escape(name)}" FamilyName="{escape(name)}"/>'
                    for name, i in FONTS.items())
    media = ""
    files["Doc_0/PublicRes.xml"] = (f'{XML_HEAD}<ofd:Res xmlns:ofd="{OFD_NS}" BaseLoc="Res"><ofd:Fonts>'
                                    f'{fonts}</ofd:Fonts></ofd:Res>').encode()
    tpl_xml = ""
    if template is not None:
        tid = ids()
        tpl_xml = (f'<ofd:TemplatePage ID="{tid}" Name="页眉" ZOrder="Background" '
                   'BaseLoc="Tpls/Tpl_0/Content.xml"/>')
        files["Doc_0/Tpls/Tpl_0/Content.xml"] = _content(_text_objects(template, ids, one_char=False), ids,
                                                         root="Page").encode()
    rng = random.Random(seed)
    page_refs = []
    if images:
        pages = [[] for _ in images]   # a scan: one picture a page
    for n, runs in enumerate(pages):
        objects = [_path(ids, r) for r in rules if n in (0, len(pages) - 1)] if not images else []
        if images:
            mid = ids()
            media += (f'<ofd:MultiMedia ID="{mid}" Type="Image" Format="PNG">'
                      f'<ofd:MediaFile>page_{n}.png</ofd:MediaFile></ofd:MultiMedia>')
            files[f"Doc_0/Res/page_{n}.png"] = images[n]
            objects.append(f'<ofd:ImageObject ID="{ids()}" Boundary="0 0 {_f(PAGE_W)} {_f(PAGE_H)}" '
                           f'CTM="{_f(PAGE_W)} 0 0 {_f(PAGE_H)} 0 0" ResourceID="{mid}"/>')
        else:
            texts = _text_objects(runs, ids, one_char=one_char, split=split)
            if one_char:
                rng.shuffle(texts)
            objects += texts
        pid = ids()
        page_refs.append(f'<ofd:Page ID="{pid}" BaseLoc="Pages/Page_{n}/Content.xml"/>')
        files[f"Doc_0/Pages/Page_{n}/Content.xml"] = _content(
            objects, ids, template=tid if template is not None else None).encode()
    doc_res = ""
    if media:
        files["Doc_0/DocumentRes.xml"] = (f'{XML_HEAD}<ofd:Res xmlns:ofd="{OFD_NS}" BaseLoc="Res">'
                                          f'<ofd:MultiMedias>{media}</ofd:MultiMedias></ofd:Res>').encode()
        doc_res = "<ofd:DocumentRes>DocumentRes.xml</ofd:DocumentRes>"
    annots = ""
    if annotations:
        index = "".join(f'<ofd:Page PageID="{n}"><ofd:FileLoc>Page_{n}/Annotation.xml</ofd:FileLoc>'
                        '</ofd:Page>' for n in annotations)
        files["Doc_0/Annots/Annotations.xml"] = (f'{XML_HEAD}<ofd:Annotations xmlns:ofd="{OFD_NS}">{index}'
                                                 f'</ofd:Annotations>').encode()
        for n, remark in annotations.items():
            stamp = Run(LEFT + WIDTH - 40, 30.0, SIZE3, remark, PITCH, "黑体", RED)
            files[f"Doc_0/Annots/Page_{n}/Annotation.xml"] = (
                f'{XML_HEAD}<ofd:PageAnnot xmlns:ofd="{OFD_NS}"><ofd:Annot ID="{ids()}" Type="Stamp" '
                f'Creator="OA"><ofd:Remark>{escape(remark)}</ofd:Remark><ofd:Appearance '
                f'Boundary="0 0 {_f(PAGE_W)} {_f(PAGE_H)}">'
                f'{"".join(_text_objects([stamp], ids, one_char=False))}</ofd:Appearance>'
                f'</ofd:Annot></ofd:PageAnnot>').encode()
        annots = "<ofd:Annotations>Annots/Annotations.xml</ofd:Annotations>"
    files["Doc_0/Document.xml"] = (
        f'{XML_HEAD}<ofd:Document xmlns:ofd="{OFD_NS}"><ofd:CommonData>'
        f'<ofd:MaxUnitID>{ids.n + 1}</ofd:MaxUnitID>'
        f'<ofd:PageArea><ofd:PhysicalBox>0 0 {_f(PAGE_W)} {_f(PAGE_H)}</ofd:PhysicalBox></ofd:PageArea>'
        f'<ofd:PublicRes>PublicRes.xml</ofd:PublicRes>{doc_res}{tpl_xml}</ofd:CommonData>'
        f'<ofd:Pages>{"".join(page_refs)}</ofd:Pages>{annots}</ofd:Document>').encode()
    signatures = ""
    if signed:
        files["Doc_0/Signs/Signatures.xml"] = (
            f'{XML_HEAD}<ofd:Signatures xmlns:ofd="{OFD_NS}"><ofd:MaxSignId>1</ofd:MaxSignId>'
            '<ofd:Signature ID="1" Type="Seal" BaseLoc="Sign_0/Signature.xml"/></ofd:Signatures>').encode()
        files["Doc_0/Signs/Sign_0/Signature.xml"] = (
            f'{XML_HEAD}<ofd:Signature xmlns:ofd="{OFD_NS}"><ofd:SignedInfo>'
            '<ofd:Provider ProviderName="OA 电子印章" Version="1.0"/>'
            '<ofd:SignatureMethod>1.2.156.10197.1.501</ofd:SignatureMethod>'
            '<ofd:SignatureDateTime>20230508100000Z</ofd:SignatureDateTime><ofd:References CheckMethod='
            '"1.2.156.10197.1.401"><ofd:Reference FileRef="/Doc_0/Pages/Page_0/Content.xml"><ofd:CheckValue>'
            'AAAA</ofd:CheckValue></ofd:Reference></ofd:References><ofd:StampAnnot ID="1" PageRef="101" '
            'Boundary="130 200 40 40"/></ofd:SignedInfo><ofd:SignedValue>/Doc_0/Signs/Sign_0/SignedValue.dat'
            '</ofd:SignedValue></ofd:Signature>').encode()
        files["Doc_0/Signs/Sign_0/SignedValue.dat"] = random.Random(seed).randbytes(512)
        signatures = "<ofd:Signatures>Doc_0/Signs/Signatures.xml</ofd:Signatures>"
    customs = "".join(f'<ofd:CustomData Name={quoteattr(k)}>{escape(v)}</ofd:CustomData>'
                      for k, v in (custom or {}).items())
    kws = "".join(f"<ofd:Keyword>{escape(k)}</ofd:Keyword>" for k in keywords)
    files["OFD.xml"] = (
        f'{XML_HEAD}<ofd:OFD xmlns:ofd="{OFD_NS}" Version="1.1" DocType="OFD"><ofd:DocBody><ofd:DocInfo>'
        f'<ofd:DocID>{random.Random(seed + 1).getrandbits(128):032x}</ofd:DocID>'
        f'<ofd:Title>{escape(title)}</ofd:Title>'
        '<ofd:Author>OA</ofd:Author><ofd:CreationDate>2023-05-08</ofd:CreationDate>'
        f'{f"<ofd:Keywords>{kws}</ofd:Keywords>" if kws else ""}'
        '<ofd:Creator>oa-liaison build_corpus_ofd_pdf</ofd:Creator>'
        '<ofd:CreatorVersion>1.0</ofd:CreatorVersion>'
        f'{f"<ofd:CustomDatas>{customs}</ofd:CustomDatas>" if customs else ""}</ofd:DocInfo>'
        f'<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot>{signatures}</ofd:DocBody></ofd:OFD>').encode()
    files.update(members or {})
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(files, key=lambda n: (n != "OFD.xml", n)):
            zf.writestr(zipfile.ZipInfo(name, (2023, 5, 8, 10, 0, 0)), files[name], zipfile.ZIP_DEFLATED)
    return out.getvalue()


def ofd_of(doc: Doc, *, mark_in_body: bool = True, header: str | None = None, **kw) -> bytes:
    """The document as an OFD: typeset, then packaged (``mark_in_body=False`` leaves the 密级 line out;
    ``header``: a template page header line, right-aligned above the type area)."""
    shown = doc if mark_in_body else replace(doc, secrecy=None, period=None)
    pages, rules = typeset(shown)
    template = None
    if header is not None:
        template = [Run(LEFT, 20.0, SIZE4, doc.issuer, SIZE4), _right(20.0, header, SIZE4, SIZE4)]
    return ofd_package(pages, rules=rules, title=doc.title, template=template, **kw)


# ----------------------------------------------------------------------------------------- a small PDF writer

PT = 72 / 25.4   # points in a millimetre


def _pdf_name(key: str | bytes) -> bytes:
    """A PDF name, every byte but regular ASCII characters escaped as #xx (密级 -> #E5#AF#86#E7#BA#A7); bytes
    are taken as they are (a name in GBK)."""
    data = key if isinstance(key, bytes) else key.encode()
    return b"/" + b"".join(bytes([b]) if 0x21 < b < 0x7F and b not in b"#/()<>[]{}%" else b"#%02X" % b
                           for b in data)


def _pdf_text(value: str) -> bytes:
    return b"<FEFF" + value.encode("utf-16-be").hex().upper().encode() + b">"


def simple_pdf(pages: list[list[Run]], *, info: dict[str | bytes, str] | None = None, xmp: str | None = None,
               annotations: dict[int, list[str]] | None = None, picture_pages=(), reverse: bool = False,
               draw_last: dict[str, str] | None = None, scaled: bool = False) -> bytes:
    """A PDF of the runs written by hand (tests and the benchmark without LibreOffice): Type 3 fonts with a
    ToUnicode map; ``info``: Info keys (any name: 密级 is escaped); ``xmp``: an
    uncompressed XMP packet; ``annotations``: page index -> notes' /Contents; ``picture_pages``: pages that
    also (or only, when they have no runs) show a grey picture; ``reverse``: lines drawn bottom to top;
    ``draw_last``: run text -> a part of it drawn after the rest of the page, at its place (a ★ drawn
    last); ``scaled``: font size 1, the text matrix scaled instead."""
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    # Type 3 fonts of 256 codes each, every glyph a filled box, with a ToUnicode map: the glyphs are in the
    # file (as a real PDF's embedded fonts are), so PDFium needs no system font and sees each character's box.
    chars = sorted({ch for runs in pages for r in runs for ch in r.text} | {" "})
    code_of = {ch: (k // 256, k % 256) for k, ch in enumerate(chars)}
    glyph = add(b"<< /Length 44 >>\nstream\n1000 0 40 -80 960 800 d1 40 -80 920 880 re f\nendstream")
    blank = add(b"<< /Length 9 >>\nstream\n1000 0 d0\nendstream")
    fonts = []
    for f in range(0, len(chars), 256):
        block = chars[f:f + 256]
        cmap = (b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CIDSystemInfo << "
                b"/Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def /CMapName /Adobe-Identity-UCS def "
                b"/CMapType 2 def "
                b"1 begincodespacerange <00> <FF> endcodespacerange\n")
        for k in range(0, len(block), 100):
            cmap += b"%d beginbfchar\n" % len(block[k:k + 100])
            cmap += b"".join(b"<%02X> <%04X>\n" % (k + j, ord(ch)) for j, ch in enumerate(block[k:k + 100]))
            cmap += b"endbfchar\n"
        cmap += b"endcmap CMapName currentdict /CMap defineresource pop end end"
        tounicode = add(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(cmap), cmap))
        names = b" ".join(b"/g%d" % k for k in range(len(block)))
        procs = b" ".join(b"/g%d %d 0 R" % (k, blank if ch.isspace() else glyph)
                          for k, ch in enumerate(block))
        widths = b" ".join(b"1000" for _ in block)
        fonts.append(add(b"<< /Type /Font /Subtype /Type3 /FontBBox [0 -120 1000 880] "
                         b"/FontMatrix [0.001 0 0 0.001 0 0] /CharProcs << %s >> "
                         b"/Encoding << /Type /Encoding /Differences [0 %s] >> /FirstChar 0 /LastChar %d "
                         b"/Widths [%s] /ToUnicode %d 0 R /Resources << >> >>"
                         % (procs, names, len(block) - 1, widths, tounicode)))
    font_res = b" ".join(b"/F%d %d 0 R" % (k, f) for k, f in enumerate(fonts))
    picture = add(b"<< /Type /XObject /Subtype /Image /Width 2 /Height 2 /ColorSpace /DeviceGray "
                  b"/BitsPerComponent 8 /Length 4 >>\nstream\n\x80\xc0\xc0\x80\nendstream")
    page_ids = []
    pages_id = len(objects) + 2 * len(pages) + len([a for v in (annotations or {}).values() for a in v]) + 1

    def show(r: Run, text: str, x: float) -> bytes:
        size = r.size * PT
        if scaled:   # "1 Tf" and the size in the text matrix, as some writers do
            spacing = (r.pitch * PT - size) / size
            y = (PAGE_H - r.y) * PT
            out = [b"BT %.4f Tc %.2f 0 0 %.2f %.2f %.2f Tm" % (spacing, size, size, x * PT, y)]
        else:
            out = [b"BT %.2f Tc 1 0 0 1 %.2f %.2f Tm" % (r.pitch * PT - size, x * PT, (PAGE_H - r.y) * PT)]
        font = None
        for ch in text:
            f, code = code_of[ch]
            if f != font:
                out.append(b"/F%d %.2f Tf" % (f, 1.0 if scaled else size))
                font = f
            out.append(b"<%02X> Tj" % code)
        return b" ".join(out + [b"ET"])

    for n, runs in enumerate(pages):
        ops, late = [], []
        if n in picture_pages:
            ops.append(b"q %.2f 0 0 %.2f 0 0 cm /Im1 Do Q" % (PAGE_W * PT, PAGE_H * PT))
        for r in (reversed(runs) if reverse else runs):
            part = (draw_last or {}).get(r.text)
            if part:
                at = r.text.index(part)
                ops.append(show(r, r.text[:at], r.x))
                ops.append(show(r, r.text[at + len(part):], r.x + (at + len(part)) * r.pitch))
                late.append(show(r, part, r.x + at * r.pitch))
            else:
                ops.append(show(r, r.text, r.x))
        content = b"\n".join(ops + late)
        stream = add(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content))
        annots = []
        for note in (annotations or {}).get(n, []):
            annots.append(add(b"<< /Type /Annot /Subtype /Text /Rect [500 780 520 800] /Contents %s >>"
                              % _pdf_text(note)))
        refs = b" ".join(b"%d 0 R" % a for a in annots)
        page_ids.append(add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %.2f %.2f] /Resources << /Font "
                            b"<< %s >> /XObject << /Im1 %d 0 R >> >> /Contents %d 0 R%s >>"
                            % (pages_id, PAGE_W * PT, PAGE_H * PT, font_res, picture, stream,
                               b" /Annots [%s]" % refs if annots else b"")))
    kids = b" ".join(b"%d 0 R" % p for p in page_ids)
    assert add(b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(page_ids))) == pages_id
    catalog_extra = b""
    if xmp is not None:
        packet = xmp.encode()
        metadata = add(b"<< /Type /Metadata /Subtype /XML /Length %d >>\nstream\n%s\nendstream"
                       % (len(packet), packet))
        catalog_extra = b" /Metadata %d 0 R" % metadata
    catalog = add(b"<< /Type /Catalog /Pages %d 0 R%s >>" % (pages_id, catalog_extra))
    info_id = add(b"<< %s >>" % b" ".join(_pdf_name(k) + b" " + _pdf_text(v)
                                          for k, v in (info or {}).items()))
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for k, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (k, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, catalog, info_id, xref)
    return bytes(out)


def pdf_of(doc: Doc, *, mark_in_body: bool = True, header: str | None = None, **kw) -> bytes:
    """The document typeset as for its OFD, written by ``simple_pdf`` (``header``: a line above the type
    area)."""
    shown = doc if mark_in_body else replace(doc, secrecy=None, period=None)
    pages, _ = typeset(shown)
    if header is not None:
        for runs in pages:
            runs.insert(0, _right(15.0, header, SIZE4, SIZE4))
            runs.insert(0, Run(LEFT, 15.0, SIZE4, doc.issuer, SIZE4))
    return simple_pdf(pages, **kw)


# ------------------------------------------------------------------------------------------- PDF tools

def _run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, check=True, capture_output=True, timeout=300, **kw)


def docx_to_pdf(docx: bytes) -> bytes:
    """LibreOffice's PDF export of a .docx, with a private, temporary profile."""
    if shutil.which("soffice") is None:
        raise RuntimeError("soffice (LibreOffice) is not on PATH")
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "doc.docx"
        src.write_bytes(docx)
        _run(["soffice", f"-env:UserInstallation=file://{tmp}/profile", "--headless", "--convert-to", "pdf",
              "--outdir", tmp, str(src)])
        return (Path(tmp) / "doc.pdf").read_bytes()


def page_png(pdf: bytes, page: int = 1, dpi: int = 60) -> bytes:
    """A page of a PDF as a grey PNG (pdftoppm), as a scanner would see it."""
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "in.pdf").write_bytes(pdf)
        _run(["pdftoppm", "-png", "-gray", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile",
              str(Path(tmp) / "in.pdf"), str(Path(tmp) / "page")])
        return (Path(tmp) / "page.png").read_bytes()


def scan_pdf(pdf: bytes) -> bytes:
    """An image-only PDF of the first page (a scan: no text layer), by img2pdf."""
    import img2pdf
    a4 = (img2pdf.mm_to_pt(210), img2pdf.mm_to_pt(297))
    return img2pdf.convert(page_png(pdf), layout_fun=img2pdf.get_layout_fun(a4))


def qpdf_encrypt(pdf: bytes, user: str, owner: str) -> bytes:
    """qpdf's AES-256 encryption (``user`` "" opens without a password: an owner password only)."""
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "in.pdf").write_bytes(pdf)
        _run(["qpdf", "--encrypt", user, owner, "256", "--", str(Path(tmp) / "in.pdf"),
              str(Path(tmp) / "out.pdf")])
        return (Path(tmp) / "out.pdf").read_bytes()


def with_info(pdf: bytes, info: dict[str, str]) -> bytes:
    """The PDF with extra Info keys (custom ones such as /密级), by pypdf."""
    from pypdf import PdfReader, PdfWriter
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.add_metadata(info)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# ------------------------------------------------------------------------------------------- the cases

def _facts(doc: Doc, **over) -> dict:
    return {"secrecy": doc.secrecy, "doc_number": doc.doc_number, "title": doc.title, "issuer": doc.issuer,
            **over}


SECRET_NOTICE = replace(NOTICE, secrecy="秘密", period="1年", copy_number="000012", urgency="特急")
CONFIDENTIAL_REPORT = replace(REPORT, secrecy="机密", period="2027年12月31日")
CONDITION = replace(NOTICE, secrecy="秘密", period="解密条件：项目验收后")
MONTHS = replace(NOTICE, secrecy="秘密", period="1年6个月")
COPY_AFTER = replace(NOTICE, secrecy="秘密", period="3年 份号：000012")
PLAIN_LETTER = replace(LETTER, secrecy=None, period=None)


def cases() -> dict[str, tuple[str, str, callable, dict]]:
    """name -> (generator, layout, build(), sidecar facts)."""
    lo, ofd = "libreoffice", OFD_GENERATOR

    def pdf(doc: Doc, **kw):
        return lambda: docx_to_pdf(as_docx(doc, **kw))

    def secret_pdf():
        return docx_to_pdf(as_docx(SECRET_NOTICE))

    return {
        "lo_notice_plain.pdf": (lo, "通知, not classified", pdf(NOTICE), _facts(NOTICE)),
        "lo_notice_secret.pdf": (lo, "通知: 份号, 秘密★1年, 特急 above the 发文机关标志", secret_pdf,
                                 _facts(SECRET_NOTICE, period="1年", urgency="特急", copy_number="000012")),
        "lo_report_plain.pdf": (lo, "报告 to 县人大常委会, not classified", pdf(REPORT), _facts(REPORT)),
        "lo_report_declassify_date.pdf": (lo, "报告: 机密★2027年12月31日 (a declassification date)",
                                          pdf(CONFIDENTIAL_REPORT),
                                          _facts(CONFIDENTIAL_REPORT, period="2027年12月31日")),
        "lo_letter_secret.pdf": (lo, "信函格式 函: 秘密★1年⇥南教函〔2023〕5号 on one line", pdf(LETTER),
                                 _facts(LETTER, period="1年")),
        "lo_letter_plain.pdf": (lo, "信函格式 函, not classified", pdf(PLAIN_LETTER), _facts(PLAIN_LETTER)),
        "lo_notice_header_only.pdf": (lo, "秘密★1年 only in the page header (python-docx header)",
                                      pdf(NOTICE, header="秘密★1年"), _facts(NOTICE, secrecy="秘密")),
        "lo_notice_condition.pdf": (lo, "秘密★解密条件：项目验收后", pdf(CONDITION),
                                    _facts(CONDITION, period="解密条件:项目验收后")),
        "lo_notice_months.pdf": (lo, "秘密★1年6个月", pdf(MONTHS), _facts(MONTHS, period="1年6个月")),
        "lo_notice_copy_after.pdf": (lo, "秘密★3年 份号：000012 (份号 after the mark)", pdf(COPY_AFTER),
                                     _facts(COPY_AFTER, period="3年")),
        "lo_notice_keywords.pdf": (lo, "秘密 only in the document's keywords (PDF /Keywords)",
                                   pdf(NOTICE, keywords="校园安全；秘密"), _facts(NOTICE, secrecy="秘密")),
        "lo_pypdf_info_key.pdf": ("libreoffice+pypdf", "机密 only in a custom Info key /密级",
                                  lambda: with_info(docx_to_pdf(as_docx(NOTICE)), {"/密级": "机密"}),
                                  _facts(NOTICE, secrecy="机密")),
        "scan_notice_secret.pdf": ("pdftoppm+img2pdf", "image-only scan of a classified 通知's first page",
                                   lambda: scan_pdf(secret_pdf()), {"no_text": True}),
        "qpdf_notice_password.pdf": ("libreoffice+qpdf", "AES-256 with an open (user) password",
                                     lambda: qpdf_encrypt(secret_pdf(), "open-me", "owner-pw"),
                                     {"error": "encrypted"}),
        "qpdf_notice_owner_only.pdf": ("libreoffice+qpdf", "AES-256, owner password only: opens without one",
                                       lambda: qpdf_encrypt(secret_pdf(), "", "owner-pw"),
                                       _facts(SECRET_NOTICE, period="1年")),
        "ofd_notice_plain.ofd": (ofd, "通知, not classified", lambda: ofd_of(NOTICE), _facts(NOTICE)),
        "ofd_notice_secret_signed.ofd": (ofd, "通知: 份号, 秘密★1年, 特急; an electronic seal under Signs/",
                                         lambda: ofd_of(SECRET_NOTICE, signed=True),
                                         _facts(SECRET_NOTICE, period="1年", urgency="特急",
                                                copy_number="000012")),
        "ofd_report_declassify_date.ofd": (ofd, "报告: 机密★2027年12月31日", lambda: ofd_of(CONFIDENTIAL_REPORT),
                                           _facts(CONFIDENTIAL_REPORT, period="2027年12月31日")),
        "ofd_report_plain.ofd": (ofd, "报告 to 县人大常委会, not classified", lambda: ofd_of(REPORT), _facts(REPORT)),
        "ofd_letter_secret.ofd": (ofd, "信函格式 函: mark left, 文号 right-aligned on one baseline",
                                  lambda: ofd_of(LETTER), _facts(LETTER, period="1年")),
        "ofd_notice_one_char_shuffled.ofd": (ofd, "one character per TextObject, in shuffled file order",
                                             lambda: ofd_of(SECRET_NOTICE, one_char=True, seed=7),
                                             _facts(SECRET_NOTICE, period="1年", urgency="特急")),
        "ofd_notice_template_only.ofd": (ofd, "秘密★1年 only in the template page (page header)",
                                         lambda: ofd_of(replace(NOTICE, secrecy="秘密", period="1年"),
                                                        mark_in_body=False, header="秘密★1年"),
                                         _facts(NOTICE, secrecy="秘密")),
        "ofd_notice_customdata_only.ofd": (ofd, "密级 only in DocInfo CustomData (Name=\"密级\")",
                                           lambda: ofd_of(NOTICE, custom={"密级": "秘密", "保密期限": "1年"}),
                                           _facts(NOTICE, secrecy="秘密")),
        "ofd_notice_split_mark.ofd": (ofd, "秘密★1年 split across three TextObjects",
                                      lambda: ofd_of(replace(NOTICE, secrecy="秘密", period="1年"),
                                                     split={"秘密★1年": ["秘", "密★", "1年"]}),
                                      _facts(NOTICE, secrecy="秘密", period="1年")),
        "ofd_notice_condition.ofd": (ofd, "秘密★解密条件：项目验收后", lambda: ofd_of(CONDITION),
                                     _facts(CONDITION, period="解密条件:项目验收后")),
        "ofd_notice_months.ofd": (ofd, "秘密★1年6个月", lambda: ofd_of(MONTHS), _facts(MONTHS, period="1年6个月")),
        "ofd_notice_copy_after.ofd": (ofd, "秘密★3年 份号：000012", lambda: ofd_of(COPY_AFTER),
                                      _facts(COPY_AFTER, period="3年")),
        "ofd_notice_image_only.ofd": (ofd, "image-only (a scan as an ImageObject, no text)",
                                      lambda: ofd_of(SECRET_NOTICE, images=[page_png(secret_pdf())]),
                                      {"no_text": True}),
    }


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--only", nargs="*", help="names of the files to build (default: all)")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, (generator, layout, build, facts) in cases().items():
        if args.only and name not in args.only:
            continue
        try:
            data = build()
        except (RuntimeError, OSError, subprocess.CalledProcessError, ImportError) as exc:
            print(f"skipped {name}: {exc}", file=sys.stderr)
            continue
        (args.out / name).write_bytes(data)
        fmt = name.rsplit(".", 1)[1]
        sidecar = {"generator": generator, "layout": layout, "format": fmt, **facts}
        text = json.dumps(sidecar, ensure_ascii=False, indent=1) + "\n"
        (args.out / f"{name}.json").write_text(text, "utf-8")
        print(f"{name}: {len(data) / 1024:.0f} KB")


if __name__ == "__main__":
    main()
