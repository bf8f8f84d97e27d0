"""file_url: fetched only from the host's allow-listed origins, no redirects, with a size cap and a deadline."""
from __future__ import annotations

import http.client
import time
from urllib.parse import urlsplit

from .hosts import origin


class FetchError(Exception):
    """The file could not be fetched; the message is Chinese and names the reason."""


def fetch(url: str, allowed: list[str], *, max_bytes: int, timeout: float) -> bytes:
    o = origin(url)
    if o is None or o not in allowed:
        raise FetchError(f"文件地址不在此主机允许的来源内：{o or url[:100]}")
    parts = urlsplit(url)
    conn_cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    conn = conn_cls(parts.hostname, parts.port, timeout=timeout)
    deadline = time.monotonic() + timeout
    try:
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        conn.request("GET", path, headers={"Accept": "application/octet-stream", "User-Agent": "oa-liaison"})
        resp = conn.getresponse()
        if 300 <= resp.status < 400:
            raise FetchError(f"文件地址返回重定向 {resp.status}（不跟随重定向）")
        if resp.status != 200:
            raise FetchError(f"文件地址返回 HTTP {resp.status}")
        length = resp.getheader("Content-Length")
        if length and length.isdigit() and int(length) > max_bytes:
            raise FetchError(f"文件过大（{int(length)} 字节，上限 {max_bytes}）")
        chunks, size = [], 0
        while True:
            if time.monotonic() > deadline:
                raise FetchError(f"下载文件超时（{timeout:g} 秒）")
            chunk = resp.read1(65536) if hasattr(resp, "read1") else resp.read(65536)
            if not chunk:
                break
            size += len(chunk)
            if size > max_bytes:
                raise FetchError(f"文件过大（超过上限 {max_bytes} 字节）")
            chunks.append(chunk)
        return b"".join(chunks)
    except (OSError, http.client.HTTPException) as exc:
        raise FetchError(f"下载文件失败：{type(exc).__name__}: {exc}"[:300]) from None
    finally:
        conn.close()
