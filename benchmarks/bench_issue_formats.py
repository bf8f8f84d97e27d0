"""Benchmark: document_issued on a 20-page PDF (LibreOffice's) with two attachments (a .docx 名单, an .xlsx 统计表),
beside a naive baseline in the same run, on SQLite.

Ours: the hook as a host calls it (read the PDF and both attachments by their bytes, every 密级 mark, resolve,
the 84 default rules, one commit; delivery excluded). Baseline: the first way one would write it: pypdfium2's
plain text per page, python-docx and openpyxl for the attachments (text only, no marks), GB/T 9704 facts from
that text, a linear name scan, one re.search per rule term (paperless-ngx's matching style) and a commit.

Run: .venv/bin/python benchmarks/bench_issue_formats.py [--runs 60]   (LibreOffice makes the PDF: ~20 s)
"""
from __future__ import annotations

import argparse
import importlib.util
import io
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
try:
    import oa_liaison_plugin  # noqa: F401
except ImportError:   # run from a checkout without installing
    sys.path.insert(0, str(ROOT))

import docx  # noqa: E402
import openpyxl  # noqa: E402
import pypdfium2 as pdfium  # noqa: E402

from oa_liaison_plugin import create_app  # noqa: E402
from oa_liaison_plugin.documents.read import extract_facts  # noqa: E402
from oa_liaison_plugin.documents.samples import make_long_body  # noqa: E402
from bench_issue import naive_decide  # noqa: E402
from oa_liaison_plugin.models import db  # noqa: E402
from oa_liaison_plugin.decision import ruleset as stored
from oa_liaison_plugin.table.file import export

_spec = importlib.util.spec_from_file_location("bench_read_formats", ROOT / "benchmarks" / "bench_read_formats.py")
formats = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(formats)
# The same 20-page 通知 as bench_read_formats, without its 密级: routed and copied, the common case.
formats.document = lambda n: replace(formats.build.NOTICE, body=make_long_body(n))


def listing() -> bytes:
    d = docx.Document()
    d.add_paragraph("附件1")
    d.add_paragraph("南部县学校安全检查人员名单")
    for i in range(40):
        d.add_paragraph(f"{i + 1}　张{i}　县教育局　安全股")
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def table() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["序号", "学校", "检查日期", "问题数"])
    for i in range(200):
        ws.append([i + 1, f"南部县第{i + 1}小学", "2017-03-20", i % 7])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def naive_issue(jur, rules, units, doc_id, pdf: bytes, attachments) -> None:
    pages = pdfium.PdfDocument(pdf)
    text = "\n".join(page.get_textpage().get_text_range() for page in pages)
    pages.close()
    facts = extract_facts(text.split("\n"))
    for name, data in attachments:   # read, as the baseline would, for their text
        if name.endswith(".docx"):
            "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)
        else:
            wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
            "\n".join(str(c) for ws in wb for row in ws.iter_rows(values_only=True) for c in row)
            wb.close()
    naive_decide(jur, rules, units, doc_id, facts)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=60)
    args = ap.parse_args(argv)
    pdf, made_by = formats.pdf_of_pages(20)
    attachments = [("附件1名单.docx", listing()), ("附件2统计表.xlsx", table())]
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"DATABASE_URL": f"sqlite:///{tmp}/b.sqlite3", "DELIVER_INLINE": False}, instance_path=tmp)
        liaison = app.extensions["oa_liaison"]
        with app.app_context():
            jur = liaison.jurisdiction()
            rules, units = stored.rules_of(jur), export("nanbu")["units"]
            event = {"file": pdf, "file_name": "正文.pdf", "flags": {"important": True},
                     "attachments": [{"name": n, "data": d} for n, d in attachments]}
            first = liaison.document_issued({"id": "warm", **event})
            assert first["status"] == "routed" and first["committees"], first
            ours, base = [], []
            for i in range(args.runs):   # taking turns, so a slower spell weighs on both alike
                t0 = time.perf_counter()
                liaison.document_issued({"id": f"o-{i}", **event})
                ours.append((time.perf_counter() - t0) * 1000)
                t0 = time.perf_counter()
                naive_issue(jur, rules, units, f"n-{i}", pdf, attachments)
                base.append((time.perf_counter() - t0) * 1000)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    a, b = statistics.median(ours), statistics.median(base)
    print(f"20-page PDF ({len(pdf) / 1024:.0f} KB, {made_by}) + .docx and .xlsx attachments, SQLite, "
          f"{args.runs} runs each")
    print(f"document_issued (every file read for marks and facts, rules, one commit): median {a:.2f} ms")
    print(f"naive (plain PDF text, python-docx, openpyxl, re.search per term, commit): median {b:.2f} ms")
    print(f"ratio: naive / ours = {b / a:.1f}x; fastest run: ours {min(ours):.2f} ms, "
          f"naive {min(base):.2f} ms ({min(base) / min(ours):.1f}x)")


if __name__ == "__main__":
    main()
