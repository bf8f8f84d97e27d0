"""Signed callbacks to a host: a CloudEvent POSTed with Standard Webhooks headers, no redirects followed."""
from __future__ import annotations

import datetime as dt
import http.client
import json
from urllib.parse import urlsplit

from ..models import HttpHost
from . import hosts
from .signing import headers


class CallbackError(Exception):
    """The host did not acknowledge (not 2xx, a timeout, a refused connection): retried later."""


def cloudevent(kind: str, event_id: str, source: str, data: dict) -> dict:
    return {"specversion": "1.0", "id": event_id, "source": source, "type": kind,
            "time": dt.datetime.now(dt.timezone.utc).isoformat().replace("+00:00", "Z"),
            "datacontenttype": "application/json", "data": data}


def post(config, host: HttpHost, msg_id: str, event: dict) -> str:
    """POST one event to the host's callback URL; the acknowledgement text, or CallbackError."""
    url = host.callback_url or ""
    parts = urlsplit(url)
    if hosts.origin(url) is None:
        raise CallbackError(f"回调地址不是 http(s)：{url[:100]}")
    body = json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    head = {"Content-Type": "application/cloudevents+json; charset=utf-8", "User-Agent": "oa-liaison",
            **headers(hosts.live_secrets(config, host), msg_id, body)}
    conn_cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    conn = conn_cls(parts.hostname, parts.port, timeout=float(config["CALLBACK_TIMEOUT_SECONDS"]))
    try:
        conn.request("POST", (parts.path or "/") + (f"?{parts.query}" if parts.query else ""), body=body,
                     headers=head)
        resp = conn.getresponse()
        resp.read(4096)
    except (OSError, http.client.HTTPException) as exc:
        raise CallbackError(f"回调 {host.name} 失败：{type(exc).__name__}: {exc}"[:500]) from None
    finally:
        conn.close()
    if not 200 <= resp.status < 300:  # a 3xx too: redirects are not followed
        raise CallbackError(f"回调 {host.name} 返回 HTTP {resp.status}")
    return f"{host.name}: HTTP {resp.status}"
