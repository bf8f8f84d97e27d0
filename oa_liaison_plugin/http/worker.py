"""The background worker: the event inbox, the copy ledger, notifications and the daily reminders, until stopped."""
from __future__ import annotations

import os
import socket
import time

from .. import reminders
from ..config import county_today
from ..delivery import deliver_due, record_error
from . import inbox, outbox


def run(liaison, *, once: bool = False, max_seconds: float | None = None, stopped=lambda: False) -> dict:
    """One round after another (each claims its own rows, so several workers share the work)."""
    total = {"events": 0, "events_failed": 0, "delivered": 0, "failed": 0, "notifications": 0,
             "notifications_failed": 0, "reminders": 0, "worker": f"{socket.gethostname()}:{os.getpid()}"}
    started = time.monotonic()
    poll = float(liaison.config["WORKER_POLL_SECONDS"])
    reminded_on = None
    while not stopped():
        reminded_on = remind_daily(liaison, reminded_on, total)
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


def remind_daily(liaison, reminded_on, total: dict):
    """The reminder pass once per county day (the ledger keeps it to once per reminder across workers)."""
    if not liaison.config["REMIND_IN_WORKER"]:
        return reminded_on
    with liaison.context():
        today = county_today(liaison.config)
        if today == reminded_on:
            return reminded_on
        try:
            total["reminders"] += len(reminders.run(liaison, today))
        except Exception as exc:   # a failed pass is retried on the next round, never stops the worker
            record_error("remind", "remind_failed", f"{type(exc).__name__}: {exc}")
            return reminded_on
    return today
