"""Standard Webhooks: whsec_ secrets, v1 HMAC-SHA256 signatures over "{id}.{timestamp}.{body}"."""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import time

PREFIX = "whsec_"


class SignatureError(Exception):
    """A refused signature; ``code`` is the API error code, the message is Chinese."""

    def __init__(self, code: str, message: str):
        self.code = code
        super().__init__(message)


def new_secret() -> bytes:
    return os.urandom(32)


def as_whsec(secret: bytes) -> str:
    return PREFIX + base64.b64encode(secret).decode()


def sign(secret: bytes, msg_id: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def headers(secrets: list[bytes], msg_id: str, body: bytes, timestamp: int | None = None) -> dict:
    """The three headers, signed with every given secret (a host checks whichever it holds)."""
    ts = int(time.time()) if timestamp is None else timestamp
    return {"webhook-id": msg_id, "webhook-timestamp": str(ts),
            "webhook-signature": " ".join(sign(s, msg_id, ts, body) for s in secrets)}


def check_headers(msg_id, timestamp, signature, *, tolerance: int, now: float | None = None) -> int:
    """The timestamp as an int once the headers are present and fresh; raises SignatureError."""
    if not msg_id or not timestamp or not signature:
        missing = [n for n, v in (("webhook-id", msg_id), ("webhook-timestamp", timestamp),
                                  ("webhook-signature", signature)) if not v]
        raise SignatureError("missing_signature", f"缺少签名头：{'、'.join(missing)}")
    if len(msg_id) > 256:
        raise SignatureError("bad_webhook_id", "webhook-id 过长（上限 256 字符）")
    try:
        ts = int(timestamp.strip())
    except ValueError:
        raise SignatureError("bad_timestamp", "webhook-timestamp 应为整数秒") from None
    now = time.time() if now is None else now
    if ts < now - tolerance:
        raise SignatureError("stale_timestamp", f"请求时间戳过旧（允许误差 {tolerance} 秒）")
    if ts > now + tolerance:
        raise SignatureError("future_timestamp", f"请求时间戳在未来（允许误差 {tolerance} 秒）")
    return ts


def matches(secrets: list[bytes], msg_id: str, ts: int, body: bytes, signature: str) -> bool:
    """True when any v1 signature in the header is right for any of the secrets (constant-time compare)."""
    given = [s.partition(",")[2].encode() for s in signature.split() if s.startswith("v1,")]
    if not given or len(given) > 10:
        return False
    ok = False
    for secret in secrets:
        want = sign(secret, msg_id, ts, body).partition(",")[2].encode()
        for g in given:
            ok |= hmac.compare_digest(want, g)
    return ok
