"""Benchmark: the CPU of one accepted event in the serving process's request path, without waitress or clients.

Builds the app as `oa-liaison serve` does (a fresh instance, a registered host), then calls the WSGI app
directly, on one thread, with N signed document.issued events (a ~40 KB .docx inline as base64, the bodies of
bench_http_load.py). Reports the CPU (time.process_time) and wall time an event, per round; with --phases also
the CPU of each step of POST /api/v1/events (read the body, signature, parse, check_data, the inbox's INSERT).
To compare with main's code, run it in turn from main's checkout with PYTHONPATH set to that checkout.

Run:  .venv/bin/python benchmarks/bench_http_request.py [--events 1000] [--rounds 3] [--phases] [--pg]
"""
from __future__ import annotations

import argparse
import collections
import datetime as dt
import io
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_db import add_database_url, db_label, fresh  # noqa: E402
from http_common import cli, docx_b64, env_for, event_body  # noqa: E402


def signed_bodies(webhook, file_b64: str, tag: str, n: int) -> list[tuple[bytes, dict]]:
    """N event bodies and their Standard Webhooks headers as WSGI environ keys."""
    out = []
    for i in range(n):
        body = event_body("document.issued", f"ev-{tag}-{i}", {"id": f"DOC-{tag}-{i}", "file_base64": file_b64})
        at, msg_id = dt.datetime.now(dt.timezone.utc), f"msg-{tag}-{i}"
        out.append((body, {"HTTP_WEBHOOK_ID": msg_id, "HTTP_WEBHOOK_TIMESTAMP": str(int(at.timestamp())),
                           "HTTP_WEBHOOK_SIGNATURE": webhook.sign(msg_id, at, body.decode())}))
    return out


def environ(body: bytes, headers: dict) -> dict:
    """A WSGI environ of POST /api/v1/events as waitress would make it."""
    return {"REQUEST_METHOD": "POST", "SCRIPT_NAME": "", "PATH_INFO": "/api/v1/events", "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8080", "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1", "CONTENT_TYPE": "application/cloudevents+json",
            "CONTENT_LENGTH": str(len(body)), "HTTP_HOST": "127.0.0.1:8080", "wsgi.input": io.BytesIO(body),
            "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr, "wsgi.multithread": True,
            "wsgi.multiprocess": False, "wsgi.run_once": False, "wsgi.version": (1, 0), **headers}


def post_all(app, items) -> None:
    """Each event through the app; anything but a 202 stops the benchmark."""
    for body, headers in items:
        status = []
        answer = b"".join(app(environ(body, headers), lambda s, h, exc=None: status.append(s)))
        if not status[0].startswith("202"):
            raise SystemExit(f"{status[0]}: {answer[:300]!r}")


def time_phases(acc: collections.Counter) -> None:
    """Wrap the steps of POST /api/v1/events so each adds its thread CPU (ns) to ``acc``."""
    from oa_liaison_plugin.http import inbox
    from oa_liaison_plugin.web.api import views

    def wrap(module, name):
        inner = getattr(module, name)

        def timed(*a, **kw):
            started = time.thread_time_ns()
            try:
                return inner(*a, **kw)
            finally:
                acc[name] += time.thread_time_ns() - started
        setattr(module, name, timed)
    for name in ("_body", "_signer", "parse", "check_data", "jsonify"):
        wrap(views, name)
    wrap(inbox, "record")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--phases", action="store_true", help="also the CPU of each step of the view")
    add_database_url(ap)
    args = ap.parse_args()
    db_url = fresh(args.database_url, "request")
    env = env_for(Path(tempfile.mkdtemp(prefix="oa-liaison-request-")) / "instance", db_url,
                  OA_LIAISON_API_PROCESS_INLINE="false")
    secret = json.loads(cli(env, "hosts", "add", "bench", "--jurisdiction", "nanbu", "--json"))["secret"]
    os.environ.update(env)
    from standardwebhooks import Webhook

    from oa_liaison_plugin.cli import Ctx
    app = Ctx(None).app
    webhook, file_b64 = Webhook(secret), docx_b64()
    acc: collections.Counter = collections.Counter()
    if args.phases:
        time_phases(acc)
    post_all(app, signed_bodies(webhook, file_b64, "warm", 50))   # imports, caches, compiled statements
    for r in range(args.rounds):
        items = signed_bodies(webhook, file_b64, f"r{r}", args.events)
        acc.clear()
        cpu, wall = time.process_time(), time.perf_counter()
        post_all(app, items)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        steps = ", ".join(f"{k.strip('_')} {v / args.events / 1e6:.2f}" for k, v in acc.items())
        print(f"{db_label(db_url)}: round {r + 1}: {cpu * 1000 / args.events:.2f} ms of CPU an event "
              f"({wall * 1000 / args.events:.2f} ms wall)" + (f"; steps (ms): {steps}" if steps else ""), flush=True)


if __name__ == "__main__":
    main()
