"""A signed `liaison.ping` to a host's callback URL, to check it when it is registered or changed."""
from __future__ import annotations

import time
import uuid

from ..models import utcnow
from . import hosts
from .callbacks import CallbackError, cloudevent, post


def ping(config, name: str) -> dict | None:
    """Ping the host's callback URL once (one bounded call): {"ok", "answer", "error", "seconds"}; None
    when the host has no callback URL. A failure is reported, never raised: the host may come up later."""
    host = hosts.get(name)
    if host is None or not host.callback_url:
        return None
    now = utcnow()
    msg_id = f"ping-{uuid.uuid4().hex}"
    data = {"host": host.name, "jurisdiction": host.jurisdiction.code, "test": True,
            "sent_at": now.isoformat(timespec="seconds") + "Z"}
    started = time.monotonic()
    event = cloudevent("liaison.ping", msg_id, f"/oa-liaison/{host.jurisdiction.code}", data, now)
    try:
        answer, error = post(config, host, msg_id, event), None
    except CallbackError as exc:
        answer, error = None, str(exc)
    return {"ok": error is None, "answer": answer, "error": error, "seconds": round(time.monotonic() - started, 3)}


def said(result: dict | None) -> str:
    """The ping's answer as the commands print it."""
    if result is None:
        return ""
    if result["ok"]:
        return f"\n回调地址测试（liaison.ping）：成功，{result['answer']}（{result['seconds']:g} 秒）"
    return f"\n警告：回调地址测试（liaison.ping）未成功：{result['error']}。主机可稍后再上线，登记已保存。"
