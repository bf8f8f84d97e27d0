"""The background worker: events, copies, notifications (a lane per jurisdiction) and daily reminders."""
from __future__ import annotations

import datetime as dt
import os
import socket
import time
from concurrent.futures import FIRST_COMPLETED, wait
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select, update

from .. import reminders
from ..config import county_today
from ..delivery import deliver_due, record_error
from ..lease import add_counts
from ..models import InboxEvent, Jurisdiction, WorkerSeen, db, utcnow
from . import inbox, lanes, outbox


def run(liaison, *, once: bool = False, max_seconds: float | None = None, stopped=lambda: False) -> dict:
    """Rounds for each jurisdiction on its own lane, until stopped (or one round each with ``once``).

    A jurisdiction has at most API_PROCESS_THREADS rounds at once; a round stalled on a slow host holds
    only its own jurisdiction's lane. Each round claims its own rows, so several workers share the work.
    """
    total = {"events": 0, "events_failed": 0, "delivered": 0, "failed": 0, "notifications": 0,
             "notifications_failed": 0, "reminders": 0, "worker": f"{socket.gethostname()}:{os.getpid()}"}
    started = time.monotonic()
    poll = float(liaison.config["WORKER_POLL_SECONDS"])
    most = max(1, int(liaison.config["API_PROCESS_THREADS"]))
    running: dict = {}          # future -> jurisdiction code
    idle_until: dict = {}       # code -> when a jurisdiction whose last round found nothing is tried again
    reminded_on = None
    beat_at = None
    while not stopped():
        beat_at = heartbeat(liaison, total["worker"], beat_at)
        reminded_on = remind_daily(liaison, reminded_on, total)
        now = time.monotonic()
        for code in _jurisdictions(liaison):
            if idle_until.get(code, 0) <= now and sum(c == code for c in running.values()) < most:
                running[lanes.submit(liaison, code, _round, liaison, code)] = code
        if once or (max_seconds is not None and now - started > max_seconds):
            break
        for future in _finished(running, poll, stopped):
            if not add_counts(total, future.result()):
                idle_until[running[future]] = time.monotonic() + poll
            del running[future]
    for future in wait(list(running)).done:   # the rounds under way end within their deadlines
        add_counts(total, future.result())
    return total


def _jurisdictions(liaison) -> list[str]:
    """Every jurisdiction, and any an event names before its first event created it."""
    with liaison.context():
        try:
            codes = set(db.session.scalars(select(Jurisdiction.code)))
            codes.update(db.session.scalars(select(InboxEvent.jurisdiction).where(
                InboxEvent.status == "pending").distinct()))
            return sorted(codes)
        finally:
            db.session.remove()


def _round(liaison, code: str) -> dict:
    """One jurisdiction's due events, copies and notifications, each claimed, tried and finished once."""
    counts: dict = {}
    with liaison.context():
        try:
            for due in (inbox.process_due, deliver_due, outbox.deliver_due):
                add_counts(counts, due(liaison, jurisdiction=code))
        except Exception as exc:   # left pending until its lease runs out; never stops the worker
            db.session.rollback()
            record_error("worker", "internal_error", f"{type(exc).__name__}: {exc}", subject=code)
        finally:
            db.session.remove()
    return counts


def _finished(running: dict, poll: float, stopped) -> set:
    """The rounds that end within one poll; sooner when stopped, at once when one ends."""
    deadline = time.monotonic() + poll
    while time.monotonic() < deadline and not stopped():
        if not running:
            time.sleep(min(0.1, poll))
            continue
        done, _ = wait(list(running), timeout=min(0.1, poll), return_when=FIRST_COMPLETED)
        if done:
            return done
    return set()


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
            db.session.rollback()
            record_error("remind", "remind_failed", f"{type(exc).__name__}: {exc}")
            return reminded_on
    return today


def heartbeat(liaison, name: str, last: float | None) -> float | None:
    """Record that this worker is alive (every WORKER_HEARTBEAT_SECONDS); returns when it was last recorded."""
    now = time.monotonic()
    if last is not None and now - last < float(liaison.config["WORKER_HEARTBEAT_SECONDS"]):
        return last
    with liaison.context():
        try:
            if not db.session.execute(update(WorkerSeen).where(WorkerSeen.name == name)
                                      .values(seen_at=utcnow())).rowcount:
                db.session.add(WorkerSeen(name=name))
            db.session.commit()
        except Exception as exc:   # a missed heartbeat only makes `serve` warn; never stops the worker
            db.session.rollback()
            record_error("worker", "heartbeat_failed", f"{type(exc).__name__}: {exc}")
            return last
        finally:
            db.session.remove()
    return now


@dataclass
class Seen:
    """The newest worker heartbeat, and whether it is within WORKER_SEEN_SECONDS."""
    seen_at: dt.datetime
    recent: bool


def last_seen() -> Seen | None:
    """The newest heartbeat of any worker (None: no worker has ever run on this database)."""
    at = db.session.scalar(select(func.max(WorkerSeen.seen_at)))
    if at is None:
        return None
    within = dt.timedelta(seconds=float(current_app.config["WORKER_SEEN_SECONDS"]))
    return Seen(at, utcnow() - at <= within)
