"""Outbound HTTP under one total deadline: connecting, the status line, the headers and the body together."""
from __future__ import annotations

import heapq
import http.client
import itertools
import socket
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit


class OutboundError(Exception):
    """The call failed (refused, reset, malformed answer, too large); the message is Chinese."""


class DeadlineExceeded(OutboundError):
    """The whole call took longer than its deadline."""


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes


class _Guard:
    """Cuts the connection's socket when the deadline passes, whatever the socket is waiting for.

    A per-operation timeout is not enough: a host trickling one header line just inside it holds the
    call for ever. Shutting the socket down (from the deadlines' thread) wakes any blocked read or write at once.
    """

    def __init__(self):
        self.lock = threading.Lock()
        self.sock: socket.socket | None = None
        self.expired = False
        self.ended = False

    def arm(self, sock: socket.socket) -> socket.socket:
        with self.lock:
            self.sock = sock
            if self.expired:
                _shutdown(sock)
        return sock

    def cut(self) -> None:
        with self.lock:
            if self.ended:
                return
            self.expired = True
            if self.sock is not None:
                _shutdown(self.sock)

    def end(self) -> None:
        with self.lock:
            self.ended = True
            self.sock = None   # the guard waits in the deadlines' heap until its deadline; the socket need not


class _Deadlines:
    """One thread for every call's deadline in the process (a timer thread a call cost a copy's delivery about
    0.25 ms of CPU): the calls' guards in order of their deadlines, each cut when its deadline passes."""

    def __init__(self):
        self.changed = threading.Condition()
        self.waiting: list = []   # (deadline, n, guard), a heap
        self.count = itertools.count()
        self.thread: threading.Thread | None = None

    def watch(self, guard: _Guard, ends: float) -> None:
        with self.changed:
            heapq.heappush(self.waiting, (ends, next(self.count), guard))
            if self.thread is None or not self.thread.is_alive():   # the first call (or the first after a fork)
                self.thread = threading.Thread(target=self._run, name="oa-liaison-deadlines", daemon=True)
                self.thread.start()
            elif self.waiting[0][2] is guard:
                self.changed.notify()

    def _run(self) -> None:
        with self.changed:
            while True:
                now = time.monotonic()
                while self.waiting and (self.waiting[0][2].ended or self.waiting[0][0] <= now):
                    heapq.heappop(self.waiting)[2].cut()   # an ended call's cut does nothing
                self.changed.wait(self.waiting[0][0] - now if self.waiting else None)


_deadlines = _Deadlines()


def _shutdown(sock: socket.socket) -> None:
    try:
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass


def call(method: str, url: str, *, deadline: float, max_bytes: int, body: bytes | None = None,
         headers: dict | None = None, on_headers=None, truncate: bool = False) -> Answer:
    """One request; raises DeadlineExceeded after ``deadline`` seconds in all, OutboundError otherwise.

    ``on_headers(response)`` may refuse the answer (raise) before its body is read; the body is read up to
    ``max_bytes`` (more is OutboundError, or with ``truncate`` the rest is left unread).
    """
    parts = urlsplit(url)
    conn_cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    ends = time.monotonic() + deadline
    guard = _Guard()
    conn = conn_cls(parts.hostname, parts.port, timeout=deadline)
    make = conn._create_connection
    conn._create_connection = lambda *a, **kw: guard.arm(make(*a, **kw))
    _deadlines.watch(guard, ends)
    try:
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        if on_headers is not None:
            on_headers(resp)
        chunks, size = [], 0
        while True:
            chunk = resp.read1(65536)
            if not chunk:
                break
            size += len(chunk)
            if size > max_bytes and truncate:
                chunks.append(chunk[:max_bytes - size])
                break
            if size > max_bytes:
                raise OutboundError(f"应答过大（超过上限 {max_bytes} 字节）")
            chunks.append(chunk)
        if guard.expired:   # the cut may end a body as if it were complete
            raise DeadlineExceeded(f"超时（{deadline:g} 秒内未完成）")
        return Answer(resp.status, resp.headers, b"".join(chunks))
    except (OSError, http.client.HTTPException, ValueError) as exc:
        if guard.expired or time.monotonic() >= ends:
            raise DeadlineExceeded(f"超时（{deadline:g} 秒内未完成）") from None
        raise OutboundError(f"{type(exc).__name__}: {exc}"[:300]) from None
    finally:
        guard.end()
        conn.close()
