"""The reminder ledger: passes propose reminders, the ledger's unique key lets each one go out exactly once."""
from __future__ import annotations

import datetime as dt
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Iterable

from sqlalchemy import select, update

from . import claims, messages
from .audit import Actor
from .gcpause import gc_paused
from .models import Jurisdiction, ReminderSent, db, utcnow
from .work import listeners

_CHUNK = 500  # values per IN (…)
REMINDER = Actor("（提醒）")   # the reminder pass, as a unit of work names its actor


@dataclass(frozen=True)
class Reminder:
    jurisdiction_id: int
    kind: str        # "submission" | "cohandling" | "meeting_compliance" …
    subject: str     # what it is about: a submission's host id, "committee:<id>:<year>" …
    recipient: dict  # as the notify hook takes it: work.recipient(jurisdiction, "unit", "南部县教育局")
    offset: str      # which reminder of that subject: "15", "3", "0" (overdue), "none-by-06-30" …
    title: str       # the notification's subject line
    body: str
    extra: dict = field(default_factory=dict)  # merged into this reminder's line of `remind --json`
    ids: dict | None = None  # the recipient's unit_id or committee_id when the pass has it (else found by name)

    @cached_property
    def recipient_key(self) -> str:
        try:   # a pass names the same few hundred recipients in thousands of reminders
            return _recipient_key(tuple(self.recipient.items()))
        except TypeError:   # unhashable values
            return _recipient_key.__wrapped__(tuple(self.recipient.items()))

    def key(self) -> tuple:
        return self.jurisdiction_id, self.kind, self.subject, self.recipient_key, self.offset

    def line(self) -> dict:
        return {"kind": self.kind, "subject": self.subject, "recipient": self.recipient, "offset": self.offset,
                "title": self.title,
                **self.extra}


@lru_cache(maxsize=4096)
def _recipient_key(items: tuple) -> str:
    # Without the jurisdiction (the key has its id already): the ledger's rows written before recipients named
    # their county still match, so no reminder goes out twice.
    who = {k: v for k, v in items if k != "jurisdiction"}
    return json.dumps(who, ensure_ascii=False, sort_keys=True)[:300]


def passes(liaison) -> list:
    """Every reminder pass the plugins name (hook ``reminder_passes``; a failing plugin is recorded)."""
    return [p for named in liaison.call("reminder_passes").values() for p in named]


def _claim_statement():
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    # One statement for every row (executemany, batched by SQLAlchemy): compiled once, not per batch.
    return insert(ReminderSent).on_conflict_do_nothing().returning(
        ReminderSent.id, ReminderSent.jurisdiction_id, ReminderSent.kind, ReminderSent.subject,
        ReminderSent.recipient_key, ReminderSent.offset)


def _claim(rows: list[dict]):
    """Insert the ledger's rows, skipping those already there; the inserted ones' ids and keys."""
    if not rows:
        return []
    return db.session.connection().execute(_claim_statement(), rows).all()


def _already_sent(wanted: dict) -> list[tuple]:
    """Keys of the wanted reminders the ledger has, found by their offsets (indexed): the daily pass mostly
    proposes reminders sent on earlier days, and skipping them is cheaper than letting each INSERT conflict."""
    found = []
    groups: dict[tuple, set] = {}
    for jid, kind, _, _, offset in wanted:
        groups.setdefault((jid, kind), set()).add(offset)
    for (jid, kind), offsets in groups.items():
        offsets = sorted(offsets)
        for i in range(0, len(offsets), _CHUNK):
            found += db.session.connection().execute(
                select(ReminderSent.jurisdiction_id, ReminderSent.kind, ReminderSent.subject,
                       ReminderSent.recipient_key, ReminderSent.offset)
                .where(ReminderSent.jurisdiction_id == jid, ReminderSent.kind == kind,
                       ReminderSent.offset.in_(offsets[i:i + _CHUNK]))).all()
    return [tuple(row) for row in found]


def send_once(liaison, reminders: Iterable[Reminder]) -> list[Reminder]:
    """Claim each reminder in the ledger and notify the ones this call claimed; returns those.

    One unit of work: the claims (a multi-row ``INSERT … ON CONFLICT DO NOTHING RETURNING`` per chunk), the
    clerks' messages and the callback hosts' queued notifications (one statement each) commit together, so
    of several workers only the one whose INSERT went in sends, and a notification is queued exactly once.
    The notify hook is called after the commit; a crash before that loses those calls (``notified_at``
    stays empty, visible) rather than making them twice.
    """
    wanted = {r.key(): r for r in reminders}   # the same reminder twice in one pass is one reminder
    if not wanted:
        return []
    # Without a notify listener but the built-in outbox, queuing is notifying: the claim is stamped at once.
    told_at_commit = not listeners(liaison)
    with liaison.work(REMINDER) as uow:
        for key in _already_sent(wanted):
            wanted.pop(key, None)
        # PostgreSQL: the claims and the claimed ones' messages in one statement (their notices come kept).
        merged = db.session.get_bind().dialect.name == "postgresql"
        claimed = (_claim_and_keep(liaison, list(wanted.values()), told_at_commit) if merged
                   else claim(wanted.values(), notified=told_at_commit))
        sent = [r for k, r in wanted.items() if k in claimed]
        for r in sent:
            uow.notify(r.recipient, r.title, r.body, about=r.subject, kind="reminder", ids=r.ids, kept=merged)
        if not told_at_commit:
            uow.after_commit(lambda: notified(list(claimed.values())))
    return sent


def claim(reminders: Iterable[Reminder], *, notified: bool = False) -> dict[tuple, int]:
    """Insert each reminder's ledger row in the current transaction; the keys (and row ids) of those this call
    inserted — a reminder whose row is already there (sent before, or by another process just now) is left out.
    ``notified``: the notification is queued in this same transaction, so the claim is stamped as told now."""
    return _claimed(_claim(_ledger_rows(reminders, notified)))


def _claim_and_keep(liaison, reminders: list[Reminder], notified: bool) -> dict[tuple, int]:
    """``claim``, and the message of each reminder claimed written by the same statement (PostgreSQL)."""
    from .work import Notice
    if not reminders:
        return {}
    kept = messages.notice_rows(liaison, [Notice(r.recipient, r.title, r.body, r.subject, "reminder", r.ids)
                                          for r in reminders])
    return _claimed(claims.claim_and_keep(_ledger_rows(reminders, notified), kept))


def _ledger_rows(reminders: Iterable[Reminder], notified: bool) -> list[dict]:
    now = utcnow()
    return [{"jurisdiction_id": r.jurisdiction_id, "kind": r.kind, "subject": r.subject[:256],
             "recipient_key": r.recipient_key, "offset": r.offset[:64], "recipient": r.recipient,
             "title": r.title[:512], "sent_at": now, "notified_at": now if notified else None} for r in reminders]


def _claimed(inserted) -> dict[tuple, int]:
    return {tuple(row)[1:]: row.id for row in inserted}   # a row already there: nothing returned for it


def notified(ids: list[int]) -> None:
    """Stamp the claims whose notify calls were made (committed)."""
    if not ids:
        return
    for i in range(0, len(ids), _CHUNK):
        db.session.execute(update(ReminderSent).where(ReminderSent.id.in_(ids[i:i + _CHUNK]))
                           .values(notified_at=utcnow()))
    db.session.commit()


def run(liaison, today: dt.date, jurisdiction: str | None = None) -> list[dict]:
    """Every plugin's pass for each jurisdiction (or the one named): what was sent, as JSON lines."""
    with liaison.context():
        found = passes(liaison)
        q = select(Jurisdiction.id).order_by(Jurisdiction.id)
        if jurisdiction:
            q = q.where(Jurisdiction.code == jurisdiction)
        ids = list(db.session.scalars(q))
        if jurisdiction and not ids:
            raise LookupError(f"未知行政区：{jurisdiction}")
        lanes = 1 if db.session.get_bind().dialect.name == "sqlite" else int(liaison.config["REMIND_CONNECTIONS"])
    with gc_paused():
        if lanes <= 1 or len(ids) <= 1:
            return [line for jid in ids for line in _county(liaison, found, jid, today)]
        # Counties on several connections at once: while the server writes one county's claims and messages,
        # this process builds the next county's reminders (a county's pass is mostly waiting on either).
        with ThreadPoolExecutor(min(lanes, len(ids)), thread_name_prefix="oa-liaison-remind") as pool:
            return [line for lines in pool.map(lambda jid: _county(liaison, found, jid, today), ids)
                    for line in lines]


def _county(liaison, found: list, jurisdiction_id: int, today: dt.date) -> list[dict]:
    """One county's passes in one unit of work (its claims, messages and notifications), in its own context."""
    with liaison.context():
        jur = db.session.get(Jurisdiction, jurisdiction_id)
        return [r.line() for r in send_once(liaison, [r for fn in found for r in fn(liaison, jur, today)])]


__all__ = ["Reminder", "passes", "send_once", "run"]
