"""Test helpers for hosts over HTTP: a served app, a signing client, a callback host.

The signing client: standardwebhooks + cloudevents. Every answer the client gets from /api/v1/ and every
callback the callback host receives is checked against its schema in the published OpenAPI document, so a
shape that drifts from the contract fails the test that produced it.
"""
from __future__ import annotations

import base64
import datetime as dt
import http.client
import json
import re
import threading
import time
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jsonschema
from cloudevents.v1.conversion import to_structured
from cloudevents.v1.http import CloudEvent
from sqlalchemy import event
from sqlalchemy.pool import Pool
from standardwebhooks import Webhook
from werkzeug.serving import make_server


class Served:
    """The app behind a real HTTP server on 127.0.0.1 (werkzeug, threaded)."""

    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.port = self.server.server_port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()


def cloud_event(type_: str, data: dict, *, event_id: str, source: str = "https://oa.example.cn/gw",
                time: str = "2026-12-01T08:00:00+08:00") -> bytes:
    """The event's body; a fixed ``time`` (the SDK's default is now), so a retry sends the very same bytes."""
    _, body = to_structured(CloudEvent({"type": type_, "source": source, "id": event_id, "time": time}, data))
    return body


@lru_cache(maxsize=1)
def contract() -> dict:
    """The published OpenAPI document (the same the server answers at /api/v1/openapi.json)."""
    from oa_liaison_plugin.http.openapi import document
    return document()


def check_schema(value, name: str) -> None:
    """``value`` is valid against the contract's ``components/schemas/<name>``; AssertionError saying where not."""
    schema = {"$ref": f"#/components/schemas/{name}", "components": contract()["components"]}
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(value), key=lambda e: list(e.absolute_path))
    assert not errors, f"{name}: " + "; ".join(
        f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message[:300]}" for e in errors[:5])


def answer_schema(method: str, path: str, status: int) -> str:
    """The schema the contract gives this answer (an undocumented status of a documented operation fails)."""
    path = path.split("?")[0]
    for template, ops in contract()["paths"].items():
        if re.fullmatch(re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(template)), path) and method.lower() in ops:
            responses = ops[method.lower()]["responses"]
            assert str(status) in responses, f"{method} {path}: status {status} is not in the contract"
            content = responses[str(status)].get("content", {}).get("application/json", {})
            return content.get("schema", {}).get("$ref", "").rsplit("/", 1)[-1]
    return "ErrorBody"   # an unknown path or method: the API's 404/405 in its error shape


def check_answer(method: str, path: str, status: int, raw: bytes, content_type: str) -> None:
    """An answer of /api/v1/ as the contract says: JSON of its schema (the documentation pages excepted)."""
    if not path.startswith("/api/") or path.split("?")[0] in ("/api/v1/docs", "/api/v1/openapi.json"):
        return
    assert content_type.startswith("application/json"), f"{method} {path}: {status} {content_type} {raw[:200]!r}"
    name = answer_schema(method, path, status)
    if name:
        check_schema(json.loads(raw), name)


def request(port: int, path: str, body: bytes = b"", headers=None, method: str = "POST"):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        raw = resp.read()
    finally:
        conn.close()
    check_answer(method, path, resp.status, raw, resp.getheader("content-type") or "")
    try:
        return resp.status, json.loads(raw)
    except ValueError:
        return resp.status, raw


def signed(secret: str, msg_id: str, body: bytes, *, at: dt.datetime | None = None) -> dict:
    """Headers as the standardwebhooks package makes them."""
    at = at or dt.datetime.now(dt.timezone.utc)
    return {"content-type": "application/cloudevents+json", "webhook-id": msg_id,
            "webhook-timestamp": str(int(at.timestamp())),
            "webhook-signature": Webhook(secret).sign(msg_id, at, body.decode())}


def post_event(port, secret, type_, data, *, event_id, msg_id=None, **kw):
    body = cloud_event(type_, data, event_id=event_id)
    return request(port, "/api/v1/events", body, signed(secret, msg_id or f"msg-{event_id}", body, **kw))


class CallbackHost:
    """A tiny host on 127.0.0.1 that verifies callbacks with standardwebhooks and counts what it is offered."""

    def __init__(self, secret: str, *, answer=lambda n, event: 200):
        self.webhook = Webhook(secret)
        self.received: list[dict] = []      # verified events, in arrival order
        self.acked: dict[str, int] = {}     # webhook-id -> times acknowledged
        self.bad: list[str] = []            # failed verification
        self.invalid: list[str] = []        # verified, but not of its type's schema in the contract (fails close())
        self.released = threading.Event()   # a "hang" answer waits for this
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    event = outer.webhook.verify(body, {k.lower(): v for k, v in self.headers.items()})
                except Exception as exc:
                    with outer.lock:
                        outer.bad.append(repr(exc))
                    changed()
                    self.send_response(401)
                    self.end_headers()
                    return
                drift = _callback_drift(event)
                with outer.lock:
                    outer.received.append({"id": self.headers["webhook-id"], "event": event, "body": body})
                    n = len(outer.received)
                    if drift:
                        outer.invalid.append(drift)
                changed()
                status = answer(n, event)
                if status == "hang":   # answer only when the test ends (or after 30 s): past any client's deadline
                    outer.released.wait(30)
                    status = 200
                if 200 <= status < 300:
                    with outer.lock:
                        outer.acked[self.headers["webhook-id"]] = outer.acked.get(self.headers["webhook-id"], 0) + 1
                changed()
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", "http://127.0.0.1:9/elsewhere")
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/oa/callback"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.released.set()
        self.server.shutdown()
        assert not self.invalid, "callbacks not as the contract says: " + " | ".join(self.invalid)


def _callback_drift(event) -> str | None:
    """Why a callback is not what the contract's webhook of its type says, or None."""
    from oa_liaison_plugin.http.openapi import callback_name
    kind = event.get("type") if isinstance(event, dict) else None
    if kind not in contract()["webhooks"]:
        return f"{kind!r} is not a documented callback type"
    try:
        check_schema(event, callback_name(kind))
    except AssertionError as exc:
        return str(exc)
    return None


# Woken whenever what wait_for's predicates read may have changed in this process: a database connection back in
# its pool (its transaction has ended) or a callback received. Another process's change (serve, worker) wakes no
# one here; its effects are looked for again after at most OTHER_PROCESS_LOOK seconds.
_changed = threading.Condition()
_generation = [0]
_looking = threading.local()
OTHER_PROCESS_LOOK = 0.05


def changed(*_) -> None:
    """Wake every wait_for (a predicate's own queries, made while it looks, do not count)."""
    if getattr(_looking, "now", False):
        return
    with _changed:
        _generation[0] += 1
        _changed.notify_all()


event.listen(Pool, "checkin", changed)


def wait_for(predicate, timeout: float = 120.0):
    """Wait until the predicate is true (the background processing is asynchronous by design), looking again each
    time something changes; the timeout only ends a hung run, so it is generous enough for a machine under full
    load."""
    deadline = time.monotonic() + timeout
    while True:
        with _changed:
            seen = _generation[0]
        _looking.now = True
        try:
            value = predicate()
        finally:
            _looking.now = False
        if value:
            return value
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError("condition not met in time")
        with _changed:
            _changed.wait_for(lambda: _generation[0] != seen, timeout=min(left, OTHER_PROCESS_LOOK))


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def add_host(app, name="oa1", jurisdiction="nanbu", **kw) -> str:
    """Register an HTTP host; returns its signing secret."""
    from oa_liaison_plugin.http import hosts
    from oa_liaison_plugin.models import db
    with app.app_context():
        _, secret = hosts.add(app.config, name, jurisdiction, **kw)
        db.session.commit()
    return secret


def host_with_callback(app, name="oa1", **kw) -> tuple[str, CallbackHost]:
    """Register an HTTP host whose callback URL is a new CallbackHost; returns its secret and that host."""
    from oa_liaison_plugin.http import hosts
    from oa_liaison_plugin.models import db
    secret = add_host(app, name, **kw)
    cb = CallbackHost(secret)
    with app.app_context():
        hosts.get(name).callback_url = cb.url
        db.session.commit()
    return secret, cb


def doc_status(app, host_id):
    from sqlalchemy import select

    from oa_liaison_plugin.models import Document, db
    with app.app_context():
        s = db.session.scalar(select(Document.status).where(Document.host_id == host_id))
        db.session.remove()
        return s
