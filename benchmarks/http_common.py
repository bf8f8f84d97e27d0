"""Shared by the HTTP benchmarks: a served instance (`oa-liaison serve`), signed clients, a counting callback host."""
from __future__ import annotations

import base64
import datetime as dt
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from standardwebhooks import Webhook

EXE = shutil.which("oa-liaison") or str(Path(sys.executable).with_name("oa-liaison"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def add_settings(ap) -> None:
    """`--setting NAME=VALUE` (repeatable): a configuration value for the served processes, e.g. to measure
    one setting side by side with the default (OA_LIAISON_NAME=VALUE in their environment)."""
    ap.add_argument("--setting", action="append", default=[], metavar="NAME=VALUE")


def settings(args) -> dict:
    return {f"OA_LIAISON_{k}": v for k, _, v in (s.partition("=") for s in args.setting)}


def env_for(instance: Path, db_url: str | None, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OA_LIAISON_")}
    env.update({"OA_LIAISON_INSTANCE_PATH": str(instance), "OA_LIAISON_SECRET_KEY": os.urandom(24).hex(),
                "OA_LIAISON_DELIVERY_BACKOFF_SECONDS": "[0.2, 0.5, 1]", **extra})
    if db_url:
        env["OA_LIAISON_DATABASE_URL"] = db_url
    return env


def cli(env, *args) -> str:
    p = subprocess.run([EXE, *args], capture_output=True, text=True, env=env, timeout=300)
    if p.returncode:
        raise SystemExit(f"oa-liaison {' '.join(args)}: {p.stderr}")
    return p.stdout


def serve(env, port: int, threads: int | None = None) -> subprocess.Popen:
    more = ["--threads", str(threads)] if threads else []
    p = subprocess.Popen([EXE, "serve", "--port", str(port), *more], env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return p
        except OSError:
            time.sleep(0.2)
    p.kill()
    raise SystemExit("oa-liaison serve did not start")


def event_body(type_: str, event_id: str, data: dict) -> bytes:
    return json.dumps({"specversion": "1.0", "id": event_id, "source": "https://oa.example.cn/bench",
                       "type": type_, "time": dt.datetime.now(dt.timezone.utc).isoformat(),
                       "datacontenttype": "application/json", "data": data}, ensure_ascii=False).encode()


class Client:
    """One keep-alive connection signing with the standardwebhooks package."""

    def __init__(self, port: int, secret: str):
        self.port, self.webhook = port, Webhook(secret)
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def post(self, path: str, body: bytes, msg_id: str, headers=None, at=None) -> tuple[int, dict | bytes]:
        at = at or dt.datetime.now(dt.timezone.utc)
        h = {"content-type": "application/cloudevents+json", "webhook-id": msg_id,
             "webhook-timestamp": str(int(at.timestamp())),
             "webhook-signature": self.webhook.sign(msg_id, at, body.decode())}
        h.update(headers or {})
        return self.raw(path, body, h)

    def raw(self, path, body, headers, method="POST"):
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                resp = self.conn.getresponse()
                data = resp.read()
                break
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt == 2:
                    raise
        try:
            return resp.status, json.loads(data)
        except ValueError:
            return resp.status, data


class Callbacks:
    """A host's callback endpoint: verifies each call, fails some on purpose, counts acks and duplicates."""

    def __init__(self, secret: str | None = None, *, fail: float = 0.0, hang: float = 0.0, hang_seconds: float = 3.0,
                 seed=7):
        import random
        self.rng = random.Random(seed)
        # None until the benchmark learns the secret (`know`): `hosts add` pings the new callback URL before it
        # prints the secret, so that first call cannot be verified here; it is counted apart, not as bad.
        self.webhook = Webhook(secret) if secret else None
        self.before_secret = 0
        self.acked: dict[str, int] = {}       # copies (liaison.copy) acknowledged, by webhook-id
        self.notified: dict[str, int] = {}    # notifications (liaison.notification), e.g. the reminders
        self.offered_after_ack = 0
        self.bad = 0
        self.calls = 0
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def log_message(self, *a):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if outer.webhook is None:
                    with outer.lock:
                        outer.before_secret += 1
                    self.send_response(401)
                    self.end_headers()
                    return
                try:
                    outer.webhook.verify(body, {k.lower(): v for k, v in self.headers.items()})
                except Exception:
                    with outer.lock:
                        outer.bad += 1
                    self.send_response(401)
                    self.end_headers()
                    return
                msg = self.headers["webhook-id"]
                copy = json.loads(body).get("type") == "liaison.copy"
                with outer.lock:
                    outer.calls += 1
                    if msg in (outer.acked if copy else outer.notified):
                        outer.offered_after_ack += 1
                    roll = outer.rng.random()
                if roll < hang:
                    time.sleep(hang_seconds)
                    return   # no answer: the caller times out
                if roll < hang + fail:
                    self.send_response(500)
                    self.end_headers()
                    return
                with outer.lock:
                    seen = outer.acked if copy else outer.notified
                    seen[msg] = seen.get(msg, 0) + 1
                self.send_response(200)
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/callback"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def know(self, secret: str) -> None:
        """Verify every later call with the host's secret."""
        self.webhook = Webhook(secret)


def docx_b64() -> str:
    from oa_liaison_plugin.documents.samples import make_issued_docx
    return base64.b64encode(make_issued_docx(
        issuer="南部县教育局", doc_number="南教发〔2017〕12号", title="关于印发《南部县义务教育均衡发展实施方案》的通知",
        main_recipients=["各乡镇人民政府", "县级各部门"], body_paragraphs=["为推进义务教育均衡发展，……"])).decode()


def counts(db_url: str) -> dict:
    from sqlalchemy import create_engine, text
    engine = create_engine(db_url)
    with engine.connect() as c:
        out = {
            "inbox": c.execute(text("SELECT count(*) FROM liaison_http_inbox")).scalar(),
            "inbox_done": c.execute(text("SELECT count(*) FROM liaison_http_inbox WHERE status='done'")).scalar(),
            "documents": c.execute(text("SELECT count(*) FROM liaison_document")).scalar(),
            "decided": c.execute(text("SELECT count(*) FROM liaison_document WHERE status IN "
                                      "('routed','not_qualified','held')")).scalar(),
            "copies": c.execute(text("SELECT count(*) FROM liaison_copy")).scalar(),
            "delivered": c.execute(text("SELECT count(*) FROM liaison_copy WHERE status='delivered'")).scalar(),
        }
    engine.dispose()
    return out
