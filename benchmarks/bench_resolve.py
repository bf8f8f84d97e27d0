"""Benchmark: issuer-name resolution against the full 南部县 table, beside a naive baseline.

The baseline is what a first version would do: normalise every table name on every call and
scan them all (exact, then prefix-stripped). Run: python benchmarks/bench_resolve.py
"""
from __future__ import annotations

import statistics
import tempfile
import time
import unicodedata

from oa_liaison_plugin import create_app
from oa_liaison_plugin.table.file import export

NAMES = ["南部县发展和改革局", "中共南部县委办公室", "南部县公安局交通警察大队", "县卫计局", "共青团南部县委员会",
         "南部县 教育局", "县人防办", "南部县建兴镇中心小学", "国家税务总局南部县税务局", "南部县火星局"]


def naive_resolver(table: dict):
    rows = []
    for u in table["units"]:
        for n in [u["name"], u.get("full_name"), *u.get("aliases", []),
                  *[f["name"] for f in u.get("former_names", [])]]:
            if n:
                rows.append((n, u))

    def resolve(name):
        q = unicodedata.normalize("NFKC", name).replace(" ", "")
        for n, u in rows:
            k = unicodedata.normalize("NFKC", n).replace(" ", "")
            if k == q or k.removeprefix("南部县") == q.removeprefix("南部县") or k.removeprefix("县") == q.removeprefix("南部县"):
                return u["name"]
        return None
    return resolve


def measure(fn, rounds=2000) -> float:
    samples = []
    for _ in range(rounds):
        for n in NAMES:
            t0 = time.perf_counter_ns()
            fn(n)
            samples.append(time.perf_counter_ns() - t0)
    return statistics.median(samples) / 1000


def main():
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"DATABASE_URL": f"sqlite:///{tmp}/b.sqlite3"}, instance_path=tmp)
        with app.app_context():
            resolver = app.extensions["oa_liaison"].resolver()
            table = export("nanbu")
            names = sum(1 + len(u.get("aliases", [])) + bool(u.get("full_name")) for u in table["units"])
            ours = measure(resolver.resolve)
            base = measure(naive_resolver(table), rounds=200)
            unknown = statistics.median(
                [(lambda t0: (resolver.resolve("南部县火星局"), time.perf_counter_ns() - t0)[1])(time.perf_counter_ns())
                 for _ in range(2000)]) / 1000
    print(f"table: {len(table['units'])} units, {names} names; {len(NAMES)} sample names (1 unknown)")
    print(f"oa-liaison resolver : median {ours:8.1f} µs/name  (unknown name with suggestions: {unknown:.1f} µs)")
    print(f"naive scan baseline : median {base:8.1f} µs/name")
    print(f"speed-up            : {base / ours:8.1f}x   (target: median ≤ 50 µs)")


if __name__ == "__main__":
    main()
