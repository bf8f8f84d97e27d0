"""Benchmark: parsing a 30-page liaison notice, beside a naive baseline in the same run.

The notice is 南部县's prose around 30 committee lists of 60 units each (with sub-units and open
groups), about 30 pages of GB/T 9704 text. The baseline is what a first version would do: for every
line try each head form's own regex, split lists character by character, and look for duplicate
units by scanning every unit seen so far. Run: python benchmarks/bench_notice.py
"""
from __future__ import annotations

import re
import statistics
import time
from pathlib import Path

from oa_liaison_plugin.table import notice

NANBU = (Path(__file__).parent.parent / "tests" / "data" / "notices" / "nanbu-2017-1.txt").read_text("utf-8")
NUMBERS = "一二三四五六七八九十"
PAGE_CHARS = 22 * 28  # GB/T 9704: 22 lines of 28 characters


def cn(n: int) -> str:
    return NUMBERS[n - 1] if n <= 10 else (("十" if n < 20 else NUMBERS[n // 10 - 1] + "十")
                                           + (NUMBERS[n % 10 - 1] if n % 10 else ""))


def big_notice(committees=30, units=60) -> str:
    intro, rest = NANBU.split("四、对口联系协商的县级部门", 1)
    outro = "五、" + rest.split("五、", 1)[1]
    lists = []
    for c in range(1, committees + 1):
        items = []
        for u in range(units):
            name = f"县第{cn(c)}委{cn(u % 10 + 1)}号{cn(u // 10 + 1)}局"
            items.append(f"{name}（{name}一所、{name}二所）" if u % 7 == 0 else name)
        lists.append(f"（{cn(c)}）负责与县政协第{cn(c)}委员会对口联系的部门和单位：\n" + "、".join(items)
                     + f"及第{cn(c)}系统有关企业等单位。\n")
    return intro + "四、对口联系协商的县级部门\n\n" + "\n".join(lists) + "\n" + outro * 6


def naive(text: str) -> list:
    forms = [re.compile(r"^[（(][一二三四五六七八九十]+[）)]\s*负责与县政协(.+?)对口联系的部门和单位[:：](.*)$"),
             re.compile(r"^[一二三四五六七八九十]+、\s*(?:县政协)?(.+?委员会)[:：](.*)$"),
             re.compile(r"^\d+[.．]\s*(.+?委员会)(?:——|：)(.*)$")]
    out, seen = [], []
    lines = text.split("\n")
    for i, line in enumerate(lines):
        for form in forms:
            m = form.match(line.strip())
            if not m:
                continue
            body = m.group(2) or (lines[i + 1] if i + 1 < len(lines) else "")
            items, depth, cur = [], 0, ""
            for ch in body.rstrip("。"):
                depth += ch in "（("
                depth -= ch in "）)"
                if ch in "、，；" and depth == 0:
                    items.append(cur)
                    cur = ""
                else:
                    cur += ch
            items.append(cur)
            for item in items:
                if item in seen:
                    continue
                seen.append(item)
                out.append((m.group(1), item))
    return out


def measure(fn, text, rounds) -> float:
    samples = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn(text)
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples) * 1000


def main():
    text = big_notice()
    parsed = notice.parse(text)
    units = sum(len(c["units"]) + sum(len(u["sub_units"]) for u in c["units"]) for c in parsed["committees"])
    assert len(parsed["committees"]) == 30 and not parsed["warnings"], parsed["warnings"][:3]
    ours = measure(notice.parse, text, 20)
    docx_like = measure(lambda t: notice.parse(notice.read_notice(t.encode("utf-8"), "n.txt")), text, 20)
    base = measure(naive, text, 5)
    print(f"notice: {len(text)} characters ≈ {len(text) / PAGE_CHARS:.0f} pages, "
          f"{len(parsed['committees'])} committees, {units} units and sub-units")
    print(f"oa-liaison notice.parse : median {ours:7.1f} ms  (bytes → text → table: {docx_like:.1f} ms)")
    print(f"naive baseline          : median {base:7.1f} ms")
    print(f"budget 200 ms           : {'met' if ours <= 200 else 'MISSED'}")


if __name__ == "__main__":
    main()
