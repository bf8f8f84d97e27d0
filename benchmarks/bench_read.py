"""Benchmark: documents.read.read_docx vs a naive python-docx read of the same 20-page issued document.

Run: python benchmarks/bench_read.py [--pages 20] [--runs 50]
"""
from __future__ import annotations

import argparse
import datetime
import io
import statistics
import sys
import time
from pathlib import Path

try:
    import oa_liaison_plugin  # noqa: F401
except ImportError:   # run from a checkout without installing
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from docx import Document

from oa_liaison_plugin.documents.read import read_docx
from oa_liaison_plugin.documents.samples import make_issued_docx, make_long_body


def naive(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    return "\n".join(p.text for p in doc.paragraphs)


def median_ms(fn, data: bytes, runs: int) -> float:
    fn(data)   # warm up (imports, caches)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn(data)
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=20)
    ap.add_argument("--runs", type=int, default=50)
    args = ap.parse_args(argv)
    data = make_issued_docx(
        issuer="南部县教育局", doc_number="南教发〔2017〕12号", title="关于进一步加强县级部门与县政协专门委员会对口联系协商工作的通知",
        main_recipients=["各乡镇人民政府", "县级各部门"], body_paragraphs=make_long_body(args.pages),
        cc=["县委办公室", "县人大常委会办公室", "县政协办公室"], secrecy="秘密", secrecy_period="1年",
        copy_number="000012", note="此件不公开", date=datetime.date(2017, 1, 5), attachments=["名单"])
    facts = read_docx(data)
    assert facts.doc_number == "南教发〔2017〕12号" and facts.body.count("\n") + 1 >= len(naive(data).split("\n"))
    fast, slow = median_ms(read_docx, data, args.runs), median_ms(naive, data, args.runs)
    print(f"{args.pages}-page document, {len(data) / 1024:.0f} KB .docx, {len(facts.body)} characters, "
          f"page_estimate {facts.page_estimate}, {args.runs} runs each")
    print(f"read_docx (zipfile+lxml, text + all facts): median {fast:.2f} ms")
    print(f"python-docx Document() + paragraph text:    median {slow:.2f} ms")
    print(f"ratio: python-docx / read_docx = {slow / fast:.1f}x")


if __name__ == "__main__":
    main()
