"""Benchmark: delivery under faults — the callback host fails 30 % of calls and hangs on 5 %, workers are SIGKILLed.

Starts `oa-liaison serve` (events only recorded; processing left to the workers) and several
`oa-liaison worker` processes; a killer SIGKILLs a random worker every --kill-every seconds and starts
a new one. After the events are sent and the killing stops, the workers drain the inbox and the ledger.
Checks: every event processed once, every document decided, every copy acknowledged by the host, and
how often the host was offered a copy again after acknowledging it (a kill between the host's 2xx and
the ledger's commit; the host deduplicates on webhook-id).

Run:  .venv/bin/python benchmarks/bench_http_faults.py [--events 500] [--workers 3] [--database-url URL]
"""
from __future__ import annotations

import argparse
import json
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_db import add_database_url, db_label, fresh  # noqa: E402
from http_common import (EXE, Callbacks, Client, add_settings, cli, counts, docx_b64, env_for,  # noqa: E402
                         event_body, free_port, serve, settings)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=500)
    ap.add_argument("--workers", type=int, default=3)
    ap.add_argument("--kill-every", type=float, default=1.5)
    add_database_url(ap)
    add_settings(ap)
    ap.add_argument("--drain-timeout", type=float, default=300)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="oa-liaison-faults-"))
    db_url = fresh(args.database_url, "http")
    env = env_for(tmp / "instance", db_url, OA_LIAISON_API_PROCESS_INLINE="false",
                  OA_LIAISON_CALLBACK_TIMEOUT_SECONDS="1", OA_LIAISON_DELIVERY_LEASE_SECONDS="3",
                  OA_LIAISON_WORKER_POLL_SECONDS="0.2")
    env.update(settings(args))   # --setting: the served processes' own configuration
    callbacks = Callbacks(fail=0.30, hang=0.05, hang_seconds=2)
    secret = json.loads(cli(env, "hosts", "add", "bench", "--jurisdiction", "nanbu", "--callback-url",
                            callbacks.url, "--json"))["secret"]
    callbacks.know(secret)
    port = free_port()
    server = serve(env, port)
    rng = random.Random(11)
    workers = [subprocess.Popen([EXE, "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
               for _ in range(args.workers)]
    killing = {"on": True, "kills": 0}

    def killer():
        while killing["on"]:
            time.sleep(args.kill_every * rng.uniform(0.5, 1.5))
            if not killing["on"]:
                break
            i = rng.randrange(len(workers))
            workers[i].send_signal(signal.SIGKILL)
            workers[i].wait()
            killing["kills"] += 1
            workers[i] = subprocess.Popen([EXE, "worker"], env=env, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL)

    kt = threading.Thread(target=killer, daemon=True)
    try:
        started = time.perf_counter()
        kt.start()
        c = Client(port, secret)
        file_b64 = docx_b64()
        refused = 0
        for i in range(args.events):
            status, _ = c.post("/api/v1/events", event_body("document.issued", f"ev-{i}",
                                                            {"id": f"DOC-{i}", "file_base64": file_b64}), f"msg-{i}")
            refused += status != 202
        time.sleep(max(0.0, 10 - (time.perf_counter() - started)))   # at least 10 s of killing
        killing["on"] = False
        kt.join()
        deadline = time.monotonic() + args.drain_timeout
        while time.monotonic() < deadline:
            n = counts(db_url)
            if n["inbox_done"] == args.events and n["delivered"] == n["copies"]:
                break
            time.sleep(1)
        n = counts(db_url)
        took = time.perf_counter() - started
        twice = sum(1 for v in callbacks.acked.values() if v > 1)
        print(f"{db_label(db_url)}: {args.events} events, {args.workers} workers, "
              f"{killing['kills']} SIGKILLs, callback host failing 30 % and hanging on 5 %: done in {took:.1f} s")
        print(f"inbox {n['inbox']} (processed {n['inbox_done']}), documents {n['documents']} (decided {n['decided']}), "
              f"copies {n['copies']}, delivered {n['delivered']}; callback calls {callbacks.calls}, copies the host "
              f"acknowledged {len(callbacks.acked)}, acknowledged more than once {twice}, offered again after an ack "
              f"{callbacks.offered_after_ack}, bad signatures {callbacks.bad}, non-202 {refused}")
        ok = (n["inbox"] == n["inbox_done"] == n["documents"] == n["decided"] == args.events
              and n["delivered"] == n["copies"] == len(callbacks.acked) and callbacks.bad == 0 and refused == 0)
        print("OK" if ok else "FAILED")
    finally:
        killing["on"] = False
        server.terminate()
        for w in workers:
            w.terminate()
        for p in (server, *workers):
            p.wait()


if __name__ == "__main__":
    main()
