"""Reminders sent once: passes propose reminders, the ledger (liaison_reminder) lets each through only once."""
# Minimal version of issue 12's reminder ledger, with its exact interface; at merge issue 12's module replaces
# this one and the passes registered with @reminder_pass (e.g. meetings.compliance) plug in unchanged.
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable, Iterable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .models import Jurisdiction, ReminderSent, db


@dataclass(frozen=True)
class Reminder:
    jurisdiction_id: int
    kind: str        # "submission" | "cohandling" | "meeting_compliance"
    subject: str     # e.g. "committee:<id>:<year>"
    recipient: dict  # as the notify hook takes it, e.g. {"role": "committee", "committee": "..."}
    offset: str      # which reminder of that subject, e.g. "none-by-06-30", "fewer-than-2-by-10-31"
    title: str
    body: str
    extra: dict = field(default_factory=dict)  # keys merged into this reminder's JSON line in `remind --json`


_PASSES: list[Callable] = []


def reminder_pass(fn):
    """Register ``fn(liaison, jur, today) -> Iterable[Reminder]``; every run asks each pass."""
    if fn not in _PASSES:
        _PASSES.append(fn)
    return fn


def send_once(liaison, reminders: Iterable[Reminder]) -> list[Reminder]:
    """Write each reminder to the ledger; notify only those not there before (a unique key, so two workers agree)."""
    sent = []
    for rem in reminders:
        try:
            with db.session.begin_nested():
                db.session.add(ReminderSent(jurisdiction_id=rem.jurisdiction_id, kind=rem.kind, subject=rem.subject,
                                            offset=rem.offset, title=rem.title[:256]))
        except IntegrityError:
            continue
        db.session.commit()
        liaison.call("notify", about=f"{rem.kind}:{rem.subject}:{rem.offset}", recipient=rem.recipient,
                     subject=rem.title, body=rem.body)
        sent.append(rem)
    return sent


def run(liaison, today: dt.date, jurisdiction: str | None = None) -> list[dict]:
    """Every pass for every jurisdiction (or the one named); the reminders sent now, as JSON-ready dicts."""
    out = []
    with liaison.context():
        jurs = [liaison.jurisdiction(jurisdiction)] if jurisdiction else list(
            db.session.scalars(select(Jurisdiction).order_by(Jurisdiction.id)))
        for jur in jurs:
            for fn in list(_PASSES):
                for rem in send_once(liaison, list(fn(liaison, jur, today))):
                    out.append({"jurisdiction": jur.code, "kind": rem.kind, "subject": rem.subject,
                                "offset": rem.offset, "recipient": rem.recipient, "title": rem.title, **rem.extra})
    return out
