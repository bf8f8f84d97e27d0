"""file_url: fetched only from the host's allow-listed origins, no redirects, with a size cap and one total deadline."""
from __future__ import annotations

from .hosts import origin
from .outbound import DeadlineExceeded, OutboundError, call


class FetchError(Exception):
    """The file could not be fetched; the message is Chinese and names the reason."""


def _check(max_bytes: int):
    def check(resp):
        if 300 <= resp.status < 400:
            raise FetchError(f"文件地址返回重定向 {resp.status}（不跟随重定向）")
        if resp.status != 200:
            raise FetchError(f"文件地址返回 HTTP {resp.status}")
        length = resp.getheader("Content-Length")
        if length and length.isdigit() and int(length) > max_bytes:
            raise FetchError(f"文件过大（{int(length)} 字节，上限 {max_bytes}）")
    return check


def fetch(url: str, allowed: list[str], max_bytes: int, timeout: float) -> bytes:
    """The file's bytes, within ``timeout`` seconds from connecting to the last byte; raises FetchError."""
    o = origin(url)
    if o is None or o not in allowed:
        raise FetchError(f"文件地址不在此主机允许的来源内：{o or url[:100]}")
    try:
        return call("GET", url, deadline=float(timeout), max_bytes=max_bytes, on_headers=_check(max_bytes),
                    headers={"Accept": "application/octet-stream", "User-Agent": "oa-liaison"}).body
    except DeadlineExceeded:
        raise FetchError(f"下载文件超时（{float(timeout):g} 秒）") from None
    except OutboundError as exc:
        if "应答过大" in str(exc):
            raise FetchError(f"文件过大（超过上限 {max_bytes} 字节）") from None
        raise FetchError(f"下载文件失败：{exc}"[:300]) from None
