"""Build the .doc, .wps, .odt and .rtf files of tests/corpus/formats/ (and their NAME.EXT.json sidecars).

Each document is made with documents.samples.make_issued_docx (a 通知 of 南部县教育局, a 报告 of 南部县财政局
to 县人大常委会, a 信函格式 函), some then placed by python-docx (a 密级 only in the page header or footer, in a
table cell, in a text box, in hidden text, in a custom property), and converted by LibreOffice to .doc
("MS Word 97"), .odt and .rtf. LibreOffice cannot write .wps: WPS 2003 and later store .wps in Word 97's
structure, so a .wps here is LibreOffice's .doc saved under that name (its sidecar's "generator" says so).
Also the 20-page .doc of benchmarks/bench_read_doc.py. No network.

Run:  .venv/bin/python tools/build_corpus_doc.py [--out tests/corpus/formats] [--only NAME...]
Needs soffice (LibreOffice) on PATH; it runs with a private, temporary profile. Regenerated files differ
byte for byte (timestamps), not in their facts.
"""
from __future__ import annotations

import argparse
import datetime
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
sys.path.insert(0, str(ROOT))

from docx import Document  # noqa: E402
from docx.oxml import OxmlElement, parse_xml  # noqa: E402

from oa_liaison_plugin.documents.samples import make_issued_docx, make_long_body  # noqa: E402

DATE = datetime.date(2023, 5, 8)
FILTERS = {"doc": "doc:MS Word 97", "odt": "odt:writer8", "rtf": "rtf:Rich Text Format"}
LO = "LibreOffice {version} (soffice --convert-to {filter}) from a make_issued_docx .docx"
LO_WPS = ("LibreOffice {version} .doc (MS Word 97) saved as .wps: LibreOffice cannot write .wps, and "
          "WPS 2003 and later store .wps in Word 97's structure")

NOTICE = dict(issuer="南部县教育局", doc_number="南教发〔2023〕12号", title="关于加强校园安全管理工作的通知",
              main_recipients=["各中小学校"], cc=["县委办公室", "县政府办公室"], date=DATE,
              body_paragraphs=["为切实加强校园安全管理，保障师生生命财产安全，现就有关事项通知如下。",
                               "一、各学校要落实安全管理主体责任，健全安全工作制度。",
                               "二、各学校要加强安全教育，定期开展应急疏散演练。"])
REPORT = dict(issuer="南部县财政局", doc_number="南财发〔2023〕8号", title="关于2023年上半年预算执行情况的报告",
              main_recipients=["县人大常委会"], cc=["县政府办公室"], date=DATE,
              body_paragraphs=["现将我县2023年上半年预算执行情况报告如下。",
                               "一、一般公共预算收入完成年度预算的百分之五十二。",
                               "二、重点支出保障有力，民生支出占比保持在八成以上。"])
LETTER = dict(issuer="南部县教育局", doc_number="南教函〔2023〕5号", title="关于商请协助开展校园周边环境整治的函",
              main_recipients=["县公安局"], date=DATE,
              body_paragraphs=["为营造安全有序的校园周边环境，商请贵局于5月底前协助开展校园周边环境集中整治。",
                               "特此函商，请予支持。"])


def _facts(kw: dict, secrecy=None, **extra) -> dict:
    return {"secrecy": secrecy, "doc_number": kw["doc_number"], "title": kw["title"], "issuer": kw["issuer"],
            **extra}


# ------------------------------------------------------------------------- placing a mark with python-docx

def _edit(data: bytes, fn) -> bytes:
    doc = Document(io.BytesIO(data))
    fn(doc)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def in_header(text: str):
    def fn(doc):
        doc.sections[0].header.paragraphs[0].text = text
    return fn


def in_footer(text: str):
    def fn(doc):
        doc.sections[0].footer.paragraphs[0].text = text
    return fn


def in_table(cells: list[str]):
    """A one-row table above the 版头 (份号 and 密级 in cells, as some OA templates lay them out)."""
    def fn(doc):
        table = doc.add_table(rows=1, cols=len(cells))
        for cell, text in zip(table.rows[0].cells, cells):
            cell.text = text
        doc.element.body.insert(0, table._tbl)
    return fn


def in_textbox(text: str):
    """A floating text box (DrawingML with its VML copy, as Word and WPS write it), anchored in line one."""
    content = (f'<w:txbxContent><w:p><w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:p>'
               f'</w:txbxContent>')
    ns = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
          'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
          'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
          'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
          'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
          'xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office"')
    run = (f'<w:r {ns}><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wp:anchor distT="0" '
           'distB="0" distL="114300" distR="114300" simplePos="0" relativeHeight="1" behindDoc="0" '
           'locked="0" layoutInCell="1" allowOverlap="1"><wp:simplePos x="0" y="0"/>'
           '<wp:positionH relativeFrom="column"><wp:posOffset>0'
           '</wp:posOffset></wp:positionH><wp:positionV relativeFrom="paragraph"><wp:posOffset>0'
           '</wp:posOffset>'
           '</wp:positionV><wp:extent cx="2400000" cy="400000"/><wp:effectExtent l="0" t="0" r="0" b="0"/>'
           '<wp:wrapNone/><wp:docPr id="1" name="文本框 1"/><a:graphic><a:graphicData '
           'uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"><wps:wsp>'
           '<wps:cNvSpPr txBox="1"/><wps:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="2400000" cy="400000"/>'
           '</a:xfrm><a:prstGeom prst="rect">'
           f'<a:avLst/></a:prstGeom></wps:spPr><wps:txbx>{content}</wps:txbx><wps:bodyPr/></wps:wsp>'
           '</a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice><mc:Fallback><w:pict><v:shape '
           'id="文本框 1" o:spid="_x0000_s1026" type="#_x0000_t202" style="position:absolute;width:189pt;'
           f'height:31.5pt"><v:textbox>{content}</v:textbox></v:shape></w:pict></mc:Fallback>'
           '</mc:AlternateContent>'
           '</w:r>')

    def fn(doc):
        doc.paragraphs[0]._p.append(parse_xml(run))
    return fn


def hidden_line(text: str):
    """A first line whose run is hidden (w:vanish): not seen on the page, still in the file."""
    def fn(doc):
        p = doc.paragraphs[0].insert_paragraph_before()
        r = p.add_run(text)
        r._element.get_or_add_rPr().append(OxmlElement("w:vanish"))
    return fn


def letter_line(first: str):
    """The 信函格式: 发文机关标志 without 文件, then the line of 密级 and 发文字号 (GB/T 9704 §10.1)."""
    def fn(doc):
        paras = doc.paragraphs
        number = next(p for p in paras if p.text == LETTER["doc_number"])
        mark = next(p for p in paras if p.text.endswith("文件"))
        for run in mark.runs[1:]:
            run.text = ""
        mark.runs[0].text = LETTER["issuer"]
        number.runs[0].text = first
    return fn


def custom_property(data: bytes, name: str, value: str) -> bytes:
    """The .docx with docProps/custom.xml holding one text property (python-docx writes none)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in src.infolist():
            raw = src.read(info)
            if info.filename == "[Content_Types].xml":
                raw = raw.replace(b"</Types>", b'<Override PartName="/docProps/custom.xml" ContentType='
                                  b'"application/vnd.openxmlformats-officedocument.custom-properties+xml"/>'
                                  b'</Types>')
            elif info.filename == "_rels/.rels":
                raw = raw.replace(b"</Relationships>", b'<Relationship Id="rIdCustom" Type="http://schemas.'
                                  b'openxmlformats.org/officeDocument/2006/relationships/custom-properties" '
                                  b'Target="docProps/custom.xml"/></Relationships>')
            zf.writestr(info, raw)
        zf.writestr("docProps/custom.xml", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Properties '
            'xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
            'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
            f'<property fmtid="{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}" pid="2" '
            f'name="{escape(name)}"><vt:lpwstr>{escape(value)}</vt:lpwstr></property></Properties>').encode())
    return out.getvalue()


# ------------------------------------------------------------------------------------------------- the cases

def cases() -> list[dict]:
    """name, the .docx source, the formats to write (and .wps copies), the facts to assert, the layout."""
    c = []

    def add(name, source, facts, layout, formats=("doc", "odt", "rtf"), wps=False):
        c.append({"name": name, "source": source, "facts": facts, "layout": layout, "formats": formats,
                  "wps": wps})

    add("notice_secret", make_issued_docx(**NOTICE, secrecy="秘密", secrecy_period="1年"),
        _facts(NOTICE, "秘密", secrecy_period="1年"), "通知: 秘密★1年 above the 版头", wps=True)
    add("notice_plain", make_issued_docx(**NOTICE), _facts(NOTICE, cc=NOTICE["cc"]),
        "control: an unclassified 通知", wps=True)
    add("notice_date", make_issued_docx(**NOTICE, secrecy="机密", secrecy_period="2027年12月31日"),
        _facts(NOTICE, "机密", secrecy_period="2027年12月31日"), "通知: 机密★2027年12月31日 (a declassification date)")
    add("notice_table", _edit(make_issued_docx(**NOTICE), in_table(["000012", "秘密★解密条件：项目验收后"])),
        _facts(NOTICE, "秘密", secrecy_period="解密条件:项目验收后"),
        "通知: 秘密★解密条件：项目验收后 in a table cell above the 版头")
    add("notice_textbox", _edit(make_issued_docx(**NOTICE), in_textbox("秘密★3年 份号：000012")),
        _facts(NOTICE, "秘密", secrecy_period="3年"), "通知: 秘密★3年 份号：000012 only in a floating text box")
    add("notice_hidden", _edit(make_issued_docx(**NOTICE), hidden_line("绝密★10年")),
        _facts(NOTICE, "绝密"), "通知: 绝密★10年 only in hidden text (still in the file, so it counts)")
    add("notice_property", custom_property(make_issued_docx(**NOTICE), "密级", "机密"),
        _facts(NOTICE, "机密"), "通知: 密级 only in a custom document property named 密级")
    add("report_header", _edit(make_issued_docx(**REPORT), in_header("机密★2027年12月31日")),
        _facts(REPORT, "机密", secrecy_period="2027年12月31日"), "报告 to 县人大常委会: 机密★2027年12月31日 only in the "
        "page header")
    add("report_footer", _edit(make_issued_docx(**REPORT), in_footer("秘密★1年6个月")),
        _facts(REPORT, "秘密", secrecy_period="1年6个月"), "报告 to 县人大常委会: 秘密★1年6个月 only in the page footer")
    add("report_plain", _edit(make_issued_docx(**REPORT), in_header("南部县财政局")),
        _facts(REPORT, cc=REPORT["cc"]), "control: an unclassified 报告 with a plain page header")
    add("letter_line", _edit(make_issued_docx(**LETTER), letter_line("秘密★1年\t南教函〔2023〕5号")),
        _facts(LETTER, "秘密", secrecy_period="1年"), "信函格式 函: first line 秘密★1年⇥南教函〔2023〕5号", wps=True)
    return c


BENCH = dict(issuer="南部县教育局", doc_number="南教发〔2017〕12号",
             title="关于进一步加强县级部门与县政协专门委员会对口联系协商工作的通知",
             main_recipients=["各乡镇人民政府", "县级各部门"], cc=["县委办公室", "县人大常委会办公室", "县政协办公室"],
             secrecy="秘密", secrecy_period="1年", copy_number="000012", note="此件不公开",
             date=datetime.date(2017, 1, 5), attachments=["名单"])


def bench_case() -> dict:
    return {"name": "bench_20_pages", "source": make_issued_docx(**BENCH, body_paragraphs=make_long_body(20)),
            "formats": ("doc",)}


# ------------------------------------------------------------------------------------------------- building

def soffice_version(soffice: str) -> str:
    out = subprocess.run([soffice, "--version"], capture_output=True, text=True, timeout=120).stdout.split()
    return out[1] if len(out) > 1 else "?"


def convert(todo: list[dict], out: Path, soffice: str) -> list[str]:
    """Every case's formats into ``out``; returns the files that could not be built."""
    missing = []
    with tempfile.TemporaryDirectory(prefix="corpus-doc-") as tmp:
        tmp = Path(tmp)
        for fmt, filt in FILTERS.items():
            group = [case for case in todo if fmt in case["formats"]]
            if not group:
                continue
            srcs = []
            for case in group:
                src = tmp / f"{case['name']}.docx"
                src.write_bytes(case["source"])
                srcs.append(str(src))
            subprocess.run([soffice, f"-env:UserInstallation=file://{tmp}/profile", "--headless",
                            "--norestore", "--convert-to", filt, "--outdir", str(tmp / fmt), *srcs],
                           check=True, capture_output=True, timeout=600)
            for case in group:
                built = tmp / fmt / f"{case['name']}.{fmt}"
                if built.exists():
                    shutil.copyfile(built, out / built.name)
                    if fmt == "doc" and case.get("wps"):
                        shutil.copyfile(built, out / f"{case['name']}.wps")
                else:
                    missing.append(built.name)
    return missing


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "tests" / "corpus" / "formats")
    ap.add_argument("--bench-out", type=Path, default=ROOT / "benchmarks" / "data")
    ap.add_argument("--only", nargs="*", help="build only these names")
    args = ap.parse_args(argv)
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        print("soffice (LibreOffice) is not on PATH: apt-get install -y libreoffice-writer-nogui",
              file=sys.stderr)
        return 2
    version = soffice_version(soffice)
    args.out.mkdir(parents=True, exist_ok=True)
    todo = [c for c in cases() if not args.only or c["name"] in args.only]
    missing = convert(todo, args.out, soffice)
    for case in todo:
        for fmt in (*case["formats"], *(("wps",) if case["wps"] else ())):
            path = args.out / f"{case['name']}.{fmt}"
            if not path.exists():
                continue
            generator = (LO_WPS if fmt == "wps" else LO).format(version=version, filter=FILTERS.get(fmt, ""))
            sidecar = {"generator": generator, "layout": case["layout"], "format": fmt, **case["facts"]}
            text = json.dumps(sidecar, ensure_ascii=False, indent=1) + "\n"
            path.with_name(path.name + ".json").write_text(text, "utf-8")
    if not args.only or "bench_20_pages" in args.only:
        args.bench_out.mkdir(parents=True, exist_ok=True)
        missing += convert([bench_case()], args.bench_out, soffice)
    print(f"{len(todo)} cases written to {args.out}")
    if missing:
        print("not built: " + ", ".join(missing), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
