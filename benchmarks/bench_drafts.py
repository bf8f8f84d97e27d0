"""Reply draft: render_reply (trimmed template, lxml) against python-docx writing it into docx.Document().

    .venv/bin/python benchmarks/bench_drafts.py [--runs 200]

Prints median/p90 milliseconds and file sizes side by side. Target: render_reply median <= 15 ms.
The baseline writes the same paragraphs with the same fonts (eastAsia set, as python-docx needs
by hand) into python-docx's default template, i.e. what a straightforward implementation does.
"""
from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import docx  # noqa: E402
from docx.oxml.ns import qn  # noqa: E402
from docx.shared import Mm, Pt, RGBColor  # noqa: E402

from oa_liaison_plugin.documents import drafts  # noqa: E402

DATA = {"unit": "南部县教育局", "committee": "县政协教科卫体委员会", "kind": "提案",
        "title": "关于加强农村寄宿制学校建设的建议", "number": "12", "received": "2017-01-05",
        "category": "A", "signer": "王明", "contact": "李华", "phone": "0817-5512345",
        "doc_number": "南教函〔2017〕5号", "date": "2017-03-20"}


def python_docx_reply(data: dict) -> bytes:
    """The same letter, the plain python-docx way."""
    c = drafts.build_context("reply", data)
    document = docx.Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)

    def para(text, face="仿宋_GB2312", size=16, align=None, color=None, indent=False):
        p = document.add_paragraph()
        p.paragraph_format.line_spacing = Pt(28.95)
        if indent:
            p.paragraph_format.first_line_indent = Pt(32)
        if align is not None:
            p.alignment = align
        run = p.add_run(text)
        run.font.size, run.font.name = Pt(size), face
        run._element.rPr.rFonts.set(qn("w:eastAsia"), face)
        if color:
            run.font.color.rgb = RGBColor.from_string(color)
        return p

    para(c["category"], "黑体", align=2)
    para(c["issuer"], "方正小标宋简体", 26, align=1, color="FF0000")
    para(c["doc_number"], align=2)
    para(f"签发人：{c['signer']}", align=2)
    para(c["reply_title"], "方正小标宋简体", 22, align=1)
    para(f"{c['committee']}：")
    para(c["opening"], indent=True)
    for i, heading in enumerate(c["sections"], 1):
        para(f"{'一二三四五'[i - 1]}、{heading}", "黑体", indent=True)
        para("（请在此填写。）", indent=True)
    para(c["closing"], indent=True)
    para(c["issuer"], align=2)
    para(c["date"], align=2)
    para(f"（联系人：{c['contact']}，联系电话：{c['phone']}）", indent=True)
    para("抄送：" + "，".join(c["cc"]) + "。", size=14)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def measure(fn, runs: int) -> tuple[list[float], bytes]:
    out = fn()                                   # warm caches (template load, Jinja compile)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        times.append((time.perf_counter() - t0) * 1000)
    return times, out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    rows = [("render_reply (packaged template)", lambda: drafts.render_reply(DATA)),
            ("python-docx docx.Document() baseline", lambda: python_docx_reply(DATA))]
    print(f"{'':40} {'median ms':>10} {'p90 ms':>8} {'bytes':>8}")
    medians = []
    for name, fn in rows:
        times, out = measure(fn, args.runs)
        median, p90 = statistics.median(times), statistics.quantiles(times, n=10)[-1]
        medians.append(median)
        print(f"{name:40} {median:10.2f} {p90:8.2f} {len(out):8d}")
    print(f"speed-up x{medians[1] / medians[0]:.1f}; target render_reply <= 15 ms: "
          f"{'met' if medians[0] <= 15 else 'MISSED'}")
    return 0 if medians[0] <= 15 else 1


if __name__ == "__main__":
    sys.exit(main())
