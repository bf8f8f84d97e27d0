"""A signed `liaison.ping` to a host's callback URL, to check it when it is registered or changed, and a test
copy (a normal `liaison.copy` marked `"test": true`)."""
from __future__ import annotations

import hashlib
import json
import time
import uuid
from importlib import resources

from sqlalchemy import select

from ..models import Committee, utcnow
from . import hosts
from .callbacks import CallbackError, cloudevent, post


def ping(config, name: str) -> dict | None:
    """Ping the host's callback URL once (one bounded call): {"ok", "answer", "error", "seconds"}; None
    when the host has no callback URL. A failure is reported, never raised: the host may come up later."""
    host = hosts.get(name)
    if host is None or not host.callback_url:
        return None
    now = utcnow()
    data = {"host": host.name, "jurisdiction": host.jurisdiction.code, "test": True,
            "sent_at": now.isoformat(timespec="seconds") + "Z"}
    return _send(config, host, "liaison.ping", f"ping-{uuid.uuid4().hex}", data, now)


def test_copy(config, name: str) -> dict | None:
    """Send the host a test copy (the shipped sample notice to its jurisdiction's first committee), marked
    ``"test": true``; the answer as :func:`ping` gives it; None when the host has no callback URL."""
    from ..documents.samples import make_issued_docx
    from .hooks import copy_data
    host = hosts.get(name)
    if host is None or not host.callback_url:
        return None
    sample = json.loads(resources.files("oa_liaison_plugin").joinpath("data/test_copy.json").read_text("utf-8"))
    file = make_issued_docx(**sample)
    committee = next(iter(_committees(host.jurisdiction_id)), None)
    now = utcnow()
    msg_id = f"test-copy-{uuid.uuid4().hex}"
    copy = {"copy_id": msg_id, "document_id": msg_id, "committee": committee, "unit": None,
            "title": sample["title"], "doc_number": sample["doc_number"], "issuer": sample["issuer"],
            "main_recipients": sample["main_recipients"],
            "file_name": "测试事件.docx", "format": "docx",
            "content_type": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "file_sha256": hashlib.sha256(file).hexdigest(), "file": file, "attachments": [], "reasons": []}
    return _send(config, host, "liaison.copy", msg_id, {**copy_data(copy), "test": True}, now)


def _committees(jurisdiction_id: int) -> list[str]:
    """The jurisdiction's committees by name, in table order."""
    from ..models import db
    return list(db.session.scalars(select(Committee.name).where(Committee.jurisdiction_id == jurisdiction_id)
                                   .order_by(Committee.id)))


def _send(config, host, kind: str, msg_id: str, data: dict, now) -> dict:
    """POST one signed event to the host (one bounded call) and report how it went."""
    started = time.monotonic()
    event = cloudevent(kind, msg_id, f"/oa-liaison/{host.jurisdiction.code}", data, now)
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
