"""The background worker: the event inbox, the copy ledger, notifications and due reminders, until stopped."""
from __future__ import annotations

import os
import socket
import time

from .. import reminders
from ..delivery import deliver_due
from ..meetings import today
from . import inbox, outbox


def run(liaison, *, once: bool = False, max_seconds: float | None = None, stopped=lambda: False) -> dict:
    """One round after another (each claims its own rows, so several workers share the work)."""
    total = {"events": 0, "events_failed": 0, "delivered": 0, "failed": 0, "notifications": 0,
             "notifications_failed": 0, "reminders": 0, "worker": f"{socket.gethostname()}:{os.getpid()}"}
    started = time.monotonic()
    poll = float(liaison.config["WORKER_POLL_SECONDS"])
    next_reminders = 0.0
    while not stopped():
        busy = False
        if time.monotonic() >= next_reminders:  # the ledger sends each once, whichever worker looks first
            total["reminders"] += len(reminders.run(liaison, today(liaison)))
            next_reminders = time.monotonic() + float(liaison.config["REMINDER_SECONDS"])
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
