"""Benchmark: malformed and hostile requests against `oa-liaison serve` — each gets its documented answer.

Bad, missing and duplicated signature headers, replays, stale and future timestamps, oversized and
deeply nested JSON, wrong types, a file_url at another origin, at a redirect and at a 10 GB stream.
Checks every answer's status and error code, that no answer is a 500, and that nothing is recorded twice.

Run:  .venv/bin/python benchmarks/bench_http_bad_input.py [--database-url URL]
"""
from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from oa_liaison_plugin.http.signing import sign  # noqa: E402
from bench_db import add_database_url, fresh  # noqa: E402
from http_common import Client, cli, counts, docx_b64, env_for, event_body, free_port, serve  # noqa: E402


class Files(BaseHTTPRequestHandler):
    """The host's file server: a redirect, a 10 GB Content-Length, an endless chunked stream."""
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_GET(self):
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/elsewhere.docx")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/10gb":
            self.send_response(200)
            self.send_header("Content-Length", str(10 * 1024 ** 3))
            self.end_headers()
            try:
                while True:
                    self.wfile.write(b"\0" * 65536)
            except OSError:
                pass
        elif self.path == "/endless":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            try:
                chunk = b"\0" * 65536
                while True:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            except OSError:
                pass


def main() -> None:
    ap = argparse.ArgumentParser()
    add_database_url(ap)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="oa-liaison-bad-"))
    db_url = fresh(args.database_url, "http")
    files = ThreadingHTTPServer(("127.0.0.1", 0), Files)
    files.daemon_threads = True
    threading.Thread(target=files.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{files.server_port}"
    env = env_for(tmp / "instance", db_url, OA_LIAISON_API_MAX_BODY_BYTES=str(2 * 1024 * 1024),
                  OA_LIAISON_MAX_UPLOAD_BYTES=str(5 * 1024 * 1024), OA_LIAISON_FILE_FETCH_TIMEOUT_SECONDS="5")
    secret = json.loads(cli(env, "hosts", "add", "bench", "--jurisdiction", "nanbu", "--allow-origin", origin,
                            "--json"))["secret"]
    port = free_port()
    server = serve(env, port)
    try:
        run_cases(port, secret, origin, db_url)
    finally:
        server.terminate()
        server.wait()


def run_cases(port, secret, origin, db_url) -> None:
    c = Client(port, secret)
    now = dt.datetime.now(dt.timezone.utc)
    ok_body = event_body("document.issued", "good-1", {"id": "GOOD-1", "file_base64": docx_b64()})
    results, failures = [], []

    def signed_headers(body, msg_id="m", at=None):
        at = at or dt.datetime.now(dt.timezone.utc)
        try:
            signature = c.webhook.sign(msg_id, at, body.decode())
        except UnicodeDecodeError:   # the package signs text only; the same HMAC over the raw bytes
            signature = sign(base64.b64decode(secret.removeprefix("whsec_")), msg_id, int(at.timestamp()), body)
        return {"content-type": "application/json", "webhook-id": msg_id, "webhook-timestamp": str(int(at.timestamp())),
                "webhook-signature": signature}

    def case(name, status, error, *, body=None, headers=None, path="/api/v1/events", method="POST"):
        got_status, answer = c.raw(path, body if body is not None else b"", headers or {}, method)
        code = answer.get("error") if isinstance(answer, dict) else None
        results.append((name, got_status, code))
        if got_status != status or code != error or got_status >= 500:
            failures.append(f"{name}: {got_status} {code}, expected {status} {error}")

    def ev(data, event_id="x"):
        return event_body("document.issued", event_id, data)

    h = signed_headers(ok_body, "good-1")
    case("a good event", 202, None, body=ok_body, headers=h)
    case("the same request replayed", 202, None, body=ok_body, headers=h)
    case("the same event under a new webhook-id", 202, None, body=ok_body, headers=signed_headers(ok_body, "good-1b"))
    case("no headers at all", 401, "missing_signature", body=ok_body)
    case("no webhook-id", 401, "missing_signature", body=ok_body,
         headers={k: v for k, v in h.items() if k != "webhook-id"})
    case("no timestamp", 401, "missing_signature", body=ok_body,
         headers={k: v for k, v in h.items() if k != "webhook-timestamp"})
    case("empty signature", 401, "missing_signature", body=ok_body, headers={**h, "webhook-signature": ""})
    case("garbage signature", 401, "bad_signature", body=ok_body, headers={**h, "webhook-signature": "v1,!!!"})
    case("signature of another body", 401, "bad_signature", body=ev({"id": "EVIL"}), headers=h)
    case("two wrong signatures", 401, "bad_signature", body=ok_body,
         headers={**h, "webhook-signature": "v1,AAAA v1,BBBB"})
    case("a hundred signatures", 401, "bad_signature", body=ok_body,
         headers={**h, "webhook-signature": " ".join(["v1,AAAA"] * 100)})
    case("timestamp as a date", 401, "bad_timestamp", body=ok_body, headers={**h, "webhook-timestamp": now.isoformat()})
    stale = event_body("document.issued", "st", {"id": "ST"})
    case("stale by 10 minutes", 401, "stale_timestamp", body=stale,
         headers=signed_headers(stale, "st", now - dt.timedelta(minutes=10)))
    case("a day in the future", 401, "future_timestamp", body=stale,
         headers=signed_headers(stale, "st", now + dt.timedelta(days=1)))
    case("unknown host named", 401, "unknown_host", body=ok_body, headers={**h, "x-oa-host": "nobody"})
    big = ev({"id": "BIG", "file_base64": "A" * (3 * 1024 * 1024)})
    case("a 3 MB body over the 2 MB limit", 413, "too_large", body=big, headers=signed_headers(big, "big"))
    # waitress refuses a declared body over its limit itself, before the app: 413 in the API's JSON shape
    case("Content-Length of 10 GB (waitress answers)", 413, "too_large", body=b"{}",
         headers={**signed_headers(b"{}", "cl"), "content-length": str(10 * 1024 ** 3)})
    deep = b'{"a":' * 200000 + b"1" + b"}" * 200000
    deep = deep[:1_900_000]
    case("deeply nested JSON", 400, "bad_json", body=deep, headers=signed_headers(deep, "deep"))
    for name, body, error in [
        ("not JSON", b"\xff\xfe{", "bad_json"),
        ("a JSON string", b'"hello"', "bad_json"),
        ("specversion as a number", json.dumps({"specversion": 1, "id": "x", "source": "s", "type": "document.issued",
                                                "data": {"id": "1"}}).encode(), "bad_field"),
        ("id as an object", json.dumps({"specversion": "1.0", "id": {"$gt": ""}, "source": "s",
                                        "type": "document.issued", "data": {"id": "1"}}).encode(), "bad_field"),
        ("no data", json.dumps({"specversion": "1.0", "id": "x", "source": "s", "type": "document.issued"}).encode(),
         "missing_field"),
        ("type not ours", json.dumps({"specversion": "1.0", "id": "x", "source": "s", "type": "com.evil.drop",
                                      "data": {}}).encode(), "unknown_type"),
        ("flags with an unknown flag", ev({"id": "F", "flags": {"admin": True}}), "bad_field"),
        ("main_recipients as a number", ev({"id": "F", "main_recipients": 5}), "bad_field"),
        ("issued_on not a date", ev({"id": "F", "issued_on": "yesterday"}), "bad_field"),
        ("title 10,000 characters", ev({"id": "F", "title": "长" * 10000}), "bad_field"),
        ("a raw file field", ev({"id": "F", "file": "UEsDBA=="}), "bad_field"),
        ("file_url at another origin", ev({"id": "F", "file_url": "http://169.254.169.254/latest/meta-data"}),
         "file_url_not_allowed"),
        ("file_url with credentials", ev({"id": "F", "file_url": origin.replace("//", "//user:pw@") + "/x"}),
         "file_url_not_allowed"),
    ]:
        case(name, 400, error, body=body, headers=signed_headers(body, "b-" + name))
    other = ev({"id": "J", "jurisdiction": "another-county"})
    case("another jurisdiction", 403, "wrong_jurisdiction", body=other, headers=signed_headers(other, "j"))
    case("GET on the events endpoint", 405, "method_not_allowed", method="GET")
    case("an unknown API path", 404, "not_found", path="/api/v1/admin")
    # Accepted, then held when processed: the file cannot be fetched and might carry a 密级 mark.
    held = {}
    for name, path in (("file_url at a redirect", "/redirect"), ("file_url at a 10 GB stream", "/10gb"),
                       ("file_url at an endless chunked stream", "/endless")):
        body = ev({"id": f"URL{path}", "file_url": origin + path}, event_id=f"u{path}")
        case(name + " (accepted, then held)", 202, None, body=body, headers=signed_headers(body, f"u{path}"))
        held[f"URL{path}"] = name
    deadline = time.monotonic() + 60
    from sqlalchemy import create_engine, text
    engine = create_engine(db_url)
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            rows = dict(conn.execute(text("SELECT host_id, status FROM liaison_document "
                                          "WHERE host_id LIKE 'URL%'")).all())
        if len(rows) == len(held):
            break
        time.sleep(0.5)
    for host_id, name in held.items():
        if rows.get(host_id) != "held":
            failures.append(f"{name}: document {rows.get(host_id)}, expected held")
    with engine.connect() as conn:
        reasons = conn.execute(text("SELECT host_id, hold_reason FROM liaison_document "
                                    "WHERE host_id LIKE 'URL%'")).all()
    engine.dispose()
    n = counts(db_url)
    for name, status, code in results:
        print(f"  {status} {code or '':22s} {name}")
    for host_id, reason in reasons:
        print(f"  held {host_id}: {reason}")
    print(f"{len(results)} requests; 500s: {sum(1 for _, s, _ in results if s >= 500)}; inbox rows {n['inbox']} "
          f"(expected 4: one good event recorded once, three file_url events), documents {n['documents']}")
    if n["inbox"] != 4 or n["documents"] != 4:
        failures.append("recorded rows differ from expected")
    print("\n".join(failures) or "OK")


if __name__ == "__main__":
    main()
