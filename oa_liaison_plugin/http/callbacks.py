"""Signed callbacks to a host: a CloudEvent POSTed with Standard Webhooks headers, no redirects followed."""
from __future__ import annotations

import datetime as dt
import json

from ..models import HttpHost
from . import hosts
from .outbound import DeadlineExceeded, OutboundError, call
from .signing import headers


class CallbackError(Exception):
    """The host did not acknowledge (not 2xx, a timeout, a refused connection): retried later."""


def cloudevent(kind: str, event_id: str, source: str, data: dict, time: dt.datetime) -> dict:
    """The callback's CloudEvent; ``time`` is when the copy or notification was made (naive UTC), so every
    retry sends the very same bytes."""
    stamp = time.replace(tzinfo=dt.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
    return {"specversion": "1.0", "id": event_id, "source": source, "type": kind, "time": stamp,
            "datacontenttype": "application/json", "data": data}


def post(config, host: HttpHost, msg_id: str, event: dict) -> str:
    """POST one event to the host's callback URL; the acknowledgement text, or CallbackError."""
    url = host.callback_url or ""
    if hosts.origin(url) is None:
        raise CallbackError(f"回调地址不是 http(s)：{url[:100]}")
    body = json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    head = {"Content-Type": "application/cloudevents+json; charset=utf-8", "User-Agent": "oa-liaison",
            **headers(hosts.live_secrets(config, host), msg_id, body)}
    timeout = float(config["CALLBACK_TIMEOUT_SECONDS"])
    try:
        resp = call("POST", url, deadline=timeout, max_bytes=4096, body=body, headers=head, truncate=True)
    except DeadlineExceeded:
        raise CallbackError(f"回调 {host.name} 超时（{timeout:g} 秒内未应答）") from None
    except OutboundError as exc:
        raise CallbackError(f"回调 {host.name} 失败：{exc}"[:500]) from None
    if not 200 <= resp.status < 300:  # a 3xx too: redirects are not followed
        raise CallbackError(f"回调 {host.name} 返回 HTTP {resp.status}")
    return f"{host.name}: HTTP {resp.status}"
