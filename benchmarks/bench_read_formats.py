"""Benchmark: documents.ofd.read_ofd and documents.pdf.read_pdf on a 20-page issued 通知, beside baselines.

OFD: a 20-page 通知 written by tools/build_corpus_ofd_pdf.py's OFD writer (one TextObject a line, a page
header template). Baseline: zipfile + xml.etree.ElementTree parsing OFD.xml, Document.xml and every page's
Content.xml, Python loops over every element placing each character by X, Y and DeltaX, sorted into lines
(no facts, no marks, no hardening); and the same a TextCode at a time, the least any positional reader does.
PDF: the same 通知 converted by LibreOffice (soffice; without it, the builder's small PDF writer). Baselines:
pypdfium2's plain get_text_range() per page (PDFium's order, no positions, no facts: the floor of any reader
on PDFium) and ``pdftotext -layout`` in a subprocess when installed.
Yardstick: read_docx on the same document's .docx in the same run (benchmarks/bench_read.py; README's
figures were measured on a quieter machine: scale by its ratio).

Run: python benchmarks/bench_read_formats.py [--pages 20] [--runs 50]   (LibreOffice makes the PDF: ~20 s)
"""
from __future__ import annotations

import argparse
import importlib.util
import io
import shutil
import statistics
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
try:
    import oa_liaison_plugin  # noqa: F401
except ImportError:   # run from a checkout without installing
    sys.path.insert(0, str(ROOT))

import pypdfium2 as pdfium  # noqa: E402

from oa_liaison_plugin.documents.ofd import read_ofd  # noqa: E402
from oa_liaison_plugin.documents.pdf import read_pdf  # noqa: E402
from oa_liaison_plugin.documents.read import read_docx  # noqa: E402
from oa_liaison_plugin.documents.samples import make_long_body  # noqa: E402

_spec = importlib.util.spec_from_file_location("build_corpus_ofd_pdf",
                                               ROOT / "tools" / "build_corpus_ofd_pdf.py")
build = sys.modules.setdefault(_spec.name, importlib.util.module_from_spec(_spec))
_spec.loader.exec_module(build)

OFD_NS = "{http://www.ofdspec.org/2016}"


def _deltas(value: str | None, n: int, size: float) -> list[float]:
    out, toks, i = [], (value or "").split(), 0
    while i < len(toks):
        if toks[i] == "g":
            out += [float(toks[i + 2])] * int(toks[i + 1])
            i += 3
        else:
            out.append(float(toks[i]))
            i += 1
    return (out + [size] * n)[:n]


def naive_ofd(data: bytes) -> str:
    """ElementTree and Python loops, a character at a time: every glyph placed by its TextCode's X, Y and
    DeltaX (as OFD renderers and easyofd-like readers do), grouped into lines by baseline (no facts)."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        ofd = ET.fromstring(zf.read("OFD.xml"))
        doc_path = ofd.find(f"{OFD_NS}DocBody/{OFD_NS}DocRoot").text
        folder = doc_path.rpartition("/")[0]
        doc = ET.fromstring(zf.read(doc_path))
        chars = []
        for n, page in enumerate(doc.iter(f"{OFD_NS}Page")):
            root = ET.fromstring(zf.read(f"{folder}/{page.get('BaseLoc')}"))
            for obj in root.iter():
                if obj.tag != f"{OFD_NS}TextObject":
                    continue
                x0, y0 = (float(v) for v in obj.get("Boundary").split()[:2])
                size = float(obj.get("Size"))
                for code in obj:
                    if code.tag != f"{OFD_NS}TextCode" or not code.text:
                        continue
                    x, y = x0 + float(code.get("X", 0)), y0 + float(code.get("Y", 0))
                    for ch, dx in zip(code.text, _deltas(code.get("DeltaX"), len(code.text), size)):
                        chars.append((n, round(y, 1), x, ch))
                        x += dx
    chars.sort()
    lines, key = [], None
    for n, y, _, ch in chars:
        if (n, y) != key:
            lines.append([])
            key = (n, y)
        lines[-1].append(ch)
    return "\n".join("".join(line) for line in lines)


def naive_ofd_runs(data: bytes) -> str:
    """The same a TextCode at a time (its X and Y only, no DeltaX): the least a positional reader does."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        ofd = ET.fromstring(zf.read("OFD.xml"))
        doc_path = ofd.find(f"{OFD_NS}DocBody/{OFD_NS}DocRoot").text
        folder = doc_path.rpartition("/")[0]
        doc = ET.fromstring(zf.read(doc_path))
        runs = []
        for n, page in enumerate(doc.iter(f"{OFD_NS}Page")):
            root = ET.fromstring(zf.read(f"{folder}/{page.get('BaseLoc')}"))
            for obj in root.iter(f"{OFD_NS}TextObject"):
                x0, y0 = (float(v) for v in obj.get("Boundary").split()[:2])
                for code in obj.iter(f"{OFD_NS}TextCode"):
                    if code.text:
                        x, y = x0 + float(code.get("X", 0)), y0 + float(code.get("Y", 0))
                        runs.append((n, y, x, code.text))
    runs.sort()
    return "\n".join(text for *_, text in runs)


def plain_pdfium(data: bytes) -> str:
    """pypdfium2's text per page in PDFium's order: no positions, no header band, no facts."""
    pdf = pdfium.PdfDocument(data)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in pdf)
    finally:
        pdf.close()


def pdftotext(data: bytes) -> str:
    done = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True)
    return done.stdout.decode()


FASTEST: dict = {}   # the fastest run of each call medians() timed: beside other work, the steadiest figure


def medians(calls: dict, runs: int) -> dict:
    """Median ms of each (function, data), the calls taken in turn so that another process's load falls on
    all of them alike (this machine is shared); the fastest run of each goes to FASTEST."""
    times: dict = {name: [] for name in calls}
    for fn, data in calls.values():
        fn(data)   # warm up (imports, caches)
    for _ in range(runs):
        for name, (fn, data) in calls.items():
            t0 = time.perf_counter()
            fn(data)
            times[name].append((time.perf_counter() - t0) * 1000)
    FASTEST.update({name: min(t) for name, t in times.items()})
    return {name: statistics.median(t) for name, t in times.items()}


def document(body_pages: int):
    return replace(build.SECRET_NOTICE, body=make_long_body(body_pages))


def fit(pages: int) -> int:
    """The body length that typesets to ``pages`` pages (or just under)."""
    n = pages
    while len(build.typeset(document(n))[0]) > pages and n > 1:
        n -= 1
    return n


def pdf_of_pages(pages: int) -> tuple[bytes, str]:
    """A PDF of ``pages`` pages: LibreOffice's (a few conversions to fit the length), else the small
    writer's."""
    if shutil.which("soffice") is None:
        return build.pdf_of(document(fit(pages))), "tools/build_corpus_ofd_pdf.simple_pdf (soffice not found)"
    n, best = max(1, round(pages * 0.8)), None
    for _ in range(4):
        data = build.docx_to_pdf(build.as_docx(document(n)))
        got = len(pdfium.PdfDocument(data))
        if best is None or abs(got - pages) < abs(best[1] - pages):
            best = (data, got)
        if got == pages:
            break
        n = max(1, n + (1 if got < pages else -1) * max(1, round(abs(pages - got) * 0.8)))
    return best[0], "LibreOffice (soffice --convert-to pdf)"


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=20)
    ap.add_argument("--runs", type=int, default=50)
    args = ap.parse_args(argv)

    n = fit(args.pages)
    ofd, ofd_pages = build.ofd_of(document(n), header="南部县教育局"), len(build.typeset(document(n))[0])
    pdf, made_by = pdf_of_pages(args.pages)
    pdf_pages = len(pdfium.PdfDocument(pdf))
    docx = build.as_docx(document(n))
    facts = read_ofd(ofd)
    assert facts.doc_number == "南教发〔2023〕12号" and facts.secrecy == "秘密", facts
    assert read_pdf(pdf).doc_number == "南教发〔2023〕12号"

    m = medians({"docx": (read_docx, docx), "ofd": (read_ofd, ofd), "ofd_chars": (naive_ofd, ofd),
                 "ofd_codes": (naive_ofd_runs, ofd), "pdf": (read_pdf, pdf),
                 "pdf_plain": (plain_pdfium, pdf)}, args.runs)
    yard = m["docx"]
    print(f"{args.runs} runs of each, taken in turn")
    print(f"yardstick: read_docx on the same 通知 as .docx, {len(docx) / 1024:.0f} KB: median {yard:.2f} ms "
          "(README: 1.7 ms on a quieter machine)")
    print()
    fast = m["ofd"]
    print(f"OFD: {ofd_pages} pages, {len(ofd) / 1024:.0f} KB, {len(facts.body)} characters")
    print(f"  read_ofd (zipfile+lxml, positions, file order, template, all facts): median {fast:.2f} ms")
    print(f"  ElementTree + Python loops, a character at a time (no facts):        "
          f"median {m['ofd_chars']:.2f} ms")
    print(f"  ElementTree + Python loops, a TextCode at a time (no facts):         "
          f"median {m['ofd_codes']:.2f} ms")
    print(f"  ratio: per character / read_ofd = {m['ofd_chars'] / fast:.1f}x, per TextCode / read_ofd = "
          f"{m['ofd_codes'] / fast:.1f}x; read_ofd / read_docx = {fast / yard:.1f}x")
    print()
    fast, plain = m["pdf"], m["pdf_plain"]
    print(f"PDF: {pdf_pages} pages by {made_by}, {len(pdf) / 1024:.0f} KB")
    print(f"  read_pdf (pypdfium2, positions, header band, metadata, all facts): median {fast:.2f} ms")
    print(f"  pypdfium2 get_text_range per page (no positions, no facts):        median {plain:.2f} ms")
    if shutil.which("pdftotext"):
        slow = medians({"pdftotext": (pdftotext, pdf)}, max(5, args.runs // 5))["pdftotext"]
        print(f"  pdftotext -layout (subprocess, {max(5, args.runs // 5)} runs):                          "
              f"median {slow:.2f} ms")
    print(f"  read_pdf / plain = {fast / plain:.2f}x; read_pdf / read_docx = {fast / yard:.1f}x")
    print()
    f = FASTEST
    print(f"fastest of {args.runs}: read_docx {f['docx']:.2f} ms; read_ofd {f['ofd']:.2f} ms = "
          f"{f['ofd'] / f['docx']:.1f}x read_docx (per TextCode {f['ofd_codes']:.2f} ms); "
          f"read_pdf {f['pdf']:.2f} ms = {f['pdf'] / f['docx']:.1f}x read_docx (plain {f['pdf_plain']:.2f} ms)")


if __name__ == "__main__":
    main()
