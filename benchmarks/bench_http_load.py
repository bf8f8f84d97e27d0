"""Benchmark: signed document.issued events (each with a small .docx inline) from concurrent clients.

Starts `oa-liaison serve` (waitress, 127.0.0.1, a fresh instance) with a registered host whose callback
URL is a counting host in this process, then 8 client threads POST N events to /api/v1/events.
Reports the 202's throughput and p50/p99, then waits until every event is processed and every copy
acknowledged, and checks: every event recorded once, every document decided, every copy delivered once.

Run:  .venv/bin/python benchmarks/bench_http_load.py [--events 10000] [--clients 8] [--database-url URL]
                                                      [--workers N] [--servers N]
"""
from __future__ import annotations

import argparse
import os
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_db import add_database_url, db_label, fresh  # noqa: E402
from http_common import (Callbacks, Client, add_settings, cli, counts, docx_b64, env_for, event_body,  # noqa: E402
                         free_port, serve, settings)


def cpu_seconds(pid: int) -> float:
    """User + system CPU a process has used (Linux /proc); 0 elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=10000)
    ap.add_argument("--clients", type=int, default=8)
    add_database_url(ap)
    add_settings(ap)
    ap.add_argument("--threads", type=int, default=None, help="oa-liaison serve --threads (default: its own)")
    ap.add_argument("--drain-timeout", type=float, default=600)
    ap.add_argument("--workers", type=int, default=1, help="`oa-liaison worker` processes beside the server")
    ap.add_argument("--servers", type=int, default=1,
                    help="`oa-liaison serve` processes on one database, each on its own port, the clients taking "
                         "turns between them (as a reverse proxy would spread them; no proxy is measured)")
    ap.add_argument("--inline", action="store_true",
                    help="process events in the serving process after each 202 (default: a separate worker)")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="oa-liaison-load-"))
    db_url = fresh(args.database_url, "http")
    env = env_for(tmp / "instance", db_url, OA_LIAISON_API_PROCESS_INLINE="true" if args.inline else "false")
    env.update(settings(args))   # --setting: the served processes' own configuration
    callbacks = Callbacks()
    secret = json.loads(cli(env, "hosts", "add", "bench", "--jurisdiction", "nanbu", "--callback-url", callbacks.url,
                            "--json"))["secret"]
    callbacks.know(secret)
    ports = [free_port() for _ in range(args.servers)]
    servers = [serve(env, port, threads=args.threads) for port in ports]
    file_b64 = docx_b64()
    latencies: list[float] = []
    errors: list = []
    lock = threading.Lock()

    def client(k: int):
        c = Client(ports[k % len(ports)], secret)
        mine = []
        for i in range(k, args.events, args.clients):
            body = event_body("document.issued", f"ev-{i}", {"id": f"DOC-{i}", "file_base64": file_b64})
            t = time.perf_counter()
            status, answer = c.post("/api/v1/events", body, f"msg-{i}")
            mine.append(time.perf_counter() - t)
            if status != 202:
                with lock:
                    errors.append((status, answer))
        with lock:
            latencies.extend(mine)

    import subprocess
    from http_common import EXE
    # `oa-liaison worker` processes the inbox and delivers the copies beside the server (its own process).
    workers = [subprocess.Popen([EXE, "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
               for _ in range(args.workers)]
    try:
        cpu_at_start = sum(cpu_seconds(server.pid) for server in servers)
        started = time.perf_counter()
        threads = [threading.Thread(target=client, args=(k,)) for k in range(args.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        sent = time.perf_counter() - started
        cpu = sum(cpu_seconds(server.pid) for server in servers) - cpu_at_start
        latencies.sort()
        p50 = statistics.median(latencies) * 1000
        p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
        print(f"{db_label(db_url)}: {args.events} events from {args.clients} clients in "
              f"{sent:.1f} s = {args.events / sent:.0f} events/s accepted; 202 p50 {p50:.1f} ms, p99 {p99:.1f} ms; "
              f"non-202: {len(errors)}; {'the server' if args.servers == 1 else f'the {args.servers} servers'} used "
              f"{cpu * 1000 / args.events:.2f} ms of CPU an event (serve --threads {args.threads or 'default'})")
        deadline = time.monotonic() + args.drain_timeout
        while time.monotonic() < deadline:
            c = counts(db_url)
            if c["inbox_done"] == args.events and c["delivered"] == c["copies"] == len(callbacks.acked):
                break
            time.sleep(0.2)   # the end-to-end figure is within 0.2 s of the last acknowledgement
        drained = time.perf_counter() - started
        c = counts(db_url)
        print(f"all processed and delivered after {drained:.1f} s ({args.events / drained:.0f} documents/s end "
              f"to end); {'the worker' if args.workers == 1 else f'the {args.workers} workers'} used "
              f"{sum(cpu_seconds(w.pid) for w in workers) * 1000 / args.events:.2f} ms of CPU a document")
        print(f"inbox rows {c['inbox']}, processed {c['inbox_done']}, documents {c['documents']}, decided "
              f"{c['decided']}, copies {c['copies']}, delivered {c['delivered']}, acknowledged by the host "
              f"{len(callbacks.acked)}, acknowledged twice {sum(1 for v in callbacks.acked.values() if v > 1)}, "
              f"offered again after an ack {callbacks.offered_after_ack}, bad signatures {callbacks.bad} (and "
              f"{callbacks.before_secret} before the benchmark knew the secret: the registration's ping)")
        ok = (c["inbox"] == c["inbox_done"] == c["documents"] == c["decided"] == args.events and not errors
              and c["delivered"] == c["copies"] == len(callbacks.acked) and callbacks.offered_after_ack == 0)
        print("OK" if ok else "FAILED")
    finally:
        for server in servers:
            server.terminate()
            server.wait()
        for worker in workers:
            worker.terminate()
            worker.wait()


if __name__ == "__main__":
    main()
