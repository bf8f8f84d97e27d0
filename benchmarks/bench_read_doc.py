"""Benchmark: documents.doc.read_doc on a 20-page .doc vs two baselines measured in the same run.

Baselines: olefile + a naive per-character Python decode of the whole WordDocument stream (the cheapest
in-process way there is without the piece table: no facts, garbage between the text), and LibreOffice
(soffice --convert-to txt, one process per file: the way a .doc was read before this reader).
The .doc is benchmarks/data/bench_20_pages.doc, written by LibreOffice from make_issued_docx (see
tools/build_corpus_doc.py).

Run: python benchmarks/bench_read_doc.py [--runs 200] [--soffice-runs 3]
"""
from __future__ import annotations

import argparse
import io
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

try:
    import oa_liaison_plugin  # noqa: F401
except ImportError:   # run from a checkout without installing
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import olefile

from oa_liaison_plugin.documents.doc import read_doc

DATA = Path(__file__).resolve().parent / "data" / "bench_20_pages.doc"


def naive(data: bytes) -> str:
    with olefile.OleFileIO(io.BytesIO(data)) as ole:
        word = ole.openstream("WordDocument").read()
    out = []
    for i in range(0, len(word) - 1, 2):
        out.append(chr(word[i] | word[i + 1] << 8))
    return "".join(out)


def median_ms(fn, data: bytes, runs: int) -> float:
    fn(data)   # warm up (imports, caches)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn(data)
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def soffice_ms(path: Path, runs: int) -> float | None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None or runs <= 0:
        return None
    times = []
    with tempfile.TemporaryDirectory(prefix="bench-doc-") as tmp:
        cmd = [soffice, f"-env:UserInstallation=file://{tmp}/profile", "--headless", "--norestore",
               "--convert-to", "txt:Text (encoded):UTF8", "--outdir", tmp, str(path)]
        subprocess.run(cmd, check=True, capture_output=True, timeout=300)   # first start makes the profile
        for _ in range(runs):
            t0 = time.perf_counter()
            subprocess.run(cmd, check=True, capture_output=True, timeout=300)
            times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--soffice-runs", type=int, default=3, help="0 to leave LibreOffice out")
    args = ap.parse_args(argv)
    data = DATA.read_bytes()
    facts = read_doc(data)
    assert facts.doc_number == "南教发〔2017〕12号" and facts.secrecy == "秘密" and facts.page_estimate >= 20
    fast, slow = median_ms(read_doc, data, args.runs), median_ms(naive, data, max(10, args.runs // 10))
    lo = soffice_ms(DATA, args.soffice_runs)
    print(f"{DATA.name}: {len(data) / 1024:.0f} KB .doc, {len(facts.body)} characters, "
          f"page_estimate {facts.page_estimate}, {args.runs} runs")
    print(f"read_doc (olefile + piece table, text + all facts):       median {fast:.2f} ms")
    print(f"olefile + naive per-character decode of WordDocument:     median {slow:.2f} ms "
          f"({slow / fast:.1f}x read_doc)")
    if lo is not None:
        print(f"LibreOffice soffice --convert-to txt, one file a process: median {lo:.0f} ms "
              f"({lo / fast:.0f}x read_doc, {args.soffice_runs} runs)")


if __name__ == "__main__":
    main()
