"""The background worker: the event inbox, the copy ledger and notifications, until stopped."""
from __future__ import annotations

import os
import socket
import time

from ..delivery import deliver_due
from . import inbox, outbox


def run(liaison, *, once: bool = False, max_seconds: float | None = None, stopped=lambda: False) -> dict:
    """One round after another (each claims its own rows, so several workers share the work)."""
    total = {"events": 0, "events_failed": 0, "delivered": 0, "failed": 0, "notifications": 0,
             "notifications_failed": 0, "worker": f"{socket.gethostname()}:{os.getpid()}"}
    started = time.monotonic()
    poll = float(liaison.config["WORKER_POLL_SECONDS"])
    while not stopped():
        busy = False
        for counts in (inbox.process_due(liaison), deliver_due(liaison), outbox.deliver_due(liaison)):
            for k, v in counts.items():
                total[k] += v
                busy = busy or bool(v)
        if once or (max_seconds is not None and time.monotonic() - started > max_seconds):
            break
        if not busy:
            deadline = time.monotonic() + poll
            while time.monotonic() < deadline and not stopped():
                time.sleep(min(0.1, poll))
    return total
