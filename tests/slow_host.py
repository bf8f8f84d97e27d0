"""A host that answers slowly on purpose: the status line at once, then one header line at a time, for ever."""
from __future__ import annotations

import socket
import threading


class TrickleHost:
    """Accepts connections on 127.0.0.1, reads the request, then trickles headers every ``gap`` seconds.

    It never finishes unless ``lines`` is reached; ``cut`` counts the connections the client gave up on,
    ``finished`` the answers completed (the body then says ``done``).
    """

    def __init__(self, *, gap: float = 0.2, lines: int = 10_000, status: int = 200):
        self.gap, self.lines, self.status = gap, lines, status
        self.accepted = self.cut = self.finished = 0
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.origin = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                self.accepted += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket):
        try:
            raw = b""
            while b"\r\n\r\n" not in raw:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                raw += chunk
            head, _, rest = raw.partition(b"\r\n\r\n")
            length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                           if line.lower().startswith(b"content-length:")), 0)
            while len(rest) < length:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                rest += chunk
            conn.sendall(f"HTTP/1.1 {self.status} OK\r\n".encode())
            for n in range(self.lines):
                if self.stopped.wait(self.gap):
                    return
                conn.sendall(f"X-Slow-{n}: {n}\r\n".encode())
            conn.sendall(b"Content-Length: 4\r\nConnection: close\r\n\r\ndone")
            with self.lock:
                self.finished += 1
        except OSError:   # the client hung up on us: what a deadline does
            with self.lock:
                self.cut += 1
        finally:
            conn.close()

    def close(self):
        self.stopped.set()
        self.sock.close()
