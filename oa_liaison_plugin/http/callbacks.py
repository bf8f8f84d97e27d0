"""Signed callbacks to a host: a CloudEvent POSTed with Standard Webhooks headers, no redirects followed."""
from __future__ import annotations

import datetime as dt
import json
import time

from sqlalchemy import bindparam, cast, delete, insert, select

from ..engine import NO_FLUSH_WAIT_CONDITION
from ..models import HttpCall, HttpHost, utcnow
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
    started, status, error = time.monotonic(), None, None
    try:
        resp = call("POST", url, deadline=timeout, max_bytes=4096, body=body, headers=head, truncate=True)
        status = resp.status
        if not 200 <= resp.status < 300:  # a 3xx too: redirects are not followed
            raise CallbackError(f"回调 {host.name} 返回 HTTP {resp.status}")
    except DeadlineExceeded:
        error = f"回调 {host.name} 超时（{timeout:g} 秒内未应答）"
    except OutboundError as exc:
        error = f"回调 {host.name} 失败：{exc}"[:500]
    except CallbackError as exc:
        error = str(exc)
    _logged(config, host.id, event.get("type", ""), msg_id, status, error, time.monotonic() - started)
    if error is not None:
        raise CallbackError(error)
    return f"{host.name}: HTTP {status}"


def _logged(config, host_id: int, kind: str, msg_id: str, status, error, seconds: float) -> None:
    """Add the call to the host's delivery log (its last HOST_CALL_LOG_SIZE kept), beside the caller's work."""
    from ..delivery import record_error, write_beside
    keep = int(config["HOST_CALL_LOG_SIZE"])
    values = dict(host_id=host_id, at=utcnow(), type=kind[:64], msg_id=msg_id[:256], status=status,
                  ok=error is None, error=error and error[:500], duration_ms=int(seconds * 1000), h=host_id)

    def write(conn):
        if conn.dialect.name == "postgresql" and keep >= 1:
            relaxed = not config.get("LEDGER_COMMITS_WAIT_FOR_DISK", False)
            conn.execute(_ADDED_AND_TRIMMED[relaxed], dict(values, past=keep - 1))
            return
        conn.execute(_ADD, values)
        conn.execute(_TRIM, dict(values, past=keep))
    try:
        write_beside(write)
    except Exception as exc:   # the log must never become the failure
        record_error("callback", "log_failed", f"{type(exc).__name__}: {exc}", subject=msg_id)


# Built once: a call's log costs a copy's delivery less than the statements' building did.
_CALLS = HttpCall.__table__
_COLUMNS = ("host_id", "at", "type", "msg_id", "status", "ok", "error", "duration_ms")
# inline: no RETURNING of the new id (nobody reads it)
_ADD = insert(_CALLS).inline()
# The newest call past the kept ones (``past`` of them), and every older one (none while fewer are kept).
_TRIM = delete(_CALLS).where(_CALLS.c.host_id == bindparam("h"), _CALLS.c.id <= (
    select(_CALLS.c.id).where(_CALLS.c.host_id == bindparam("h")).order_by(_CALLS.c.id.desc())
    .offset(bindparam("past")).limit(1).scalar_subquery()))


def _added_and_trimmed(relaxed: bool):
    """PostgreSQL: the call added and the log trimmed in one statement that commits by itself (a copy's delivery
    waited on two, and built them each time). The trim does not see the new row (one snapshot for the whole
    statement): it is given ``past`` = kept − 1. ``relaxed``: its commit does not wait for the disk (a log line
    a crash may lose; the copy's own state is in its ledger)."""
    row = select(*[cast(bindparam(c, type_=_CALLS.c[c].type), _CALLS.c[c].type) for c in _COLUMNS])
    added = insert(_CALLS).from_select(_COLUMNS, row.where(NO_FLUSH_WAIT_CONDITION) if relaxed else row)
    return _TRIM.add_cte(added.cte("added"))


_ADDED_AND_TRIMMED = {relaxed: _added_and_trimmed(relaxed) for relaxed in (False, True)}
