"""Benchmark: one reminder pass over 100,000 open reply tasks, beside a per-task loop, in one run.

Ours (oa_liaison_plugin.reminders.run): one query per offset picks the tasks whose reminder is due, one
INSERT … ON CONFLICT DO NOTHING RETURNING per 500 claims them in the ledger, then notify. The baseline is
what a first version would do: load every open task, and for each one whose reminder is due ask the ledger
whether it was sent, insert it, notify. Both run on copies of the same SQLite file, with the same offsets,
and must send the same reminders. Each is run twice: the first pass sends, the second (same day, as a
restarted worker would) finds everything sent. Run: python benchmarks/bench_remind.py [--tasks N]
"""
from __future__ import annotations

import argparse
import datetime as dt
import sqlite3
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert, select

from oa_liaison_plugin import create_app, reminders
from oa_liaison_plugin.models import Committee, ReminderSent, Submission, Unit, db
from oa_liaison_plugin.reminders import Reminder
from oa_liaison_plugin.replies.remind import windows

TODAY = dt.date(2025, 6, 2)


def build(path: Path, n: int) -> None:
    app = create_app({"DATABASE_URL": f"sqlite:///{path}"}, instance_path=str(path.parent))
    with app.app_context():
        jur = app.extensions["oa_liaison"].jurisdiction()
        committees = list(db.session.scalars(select(Committee.id).where(Committee.jurisdiction_id == jur.id)))
        units = db.session.execute(select(Unit.id, Unit.name).where(Unit.jurisdiction_id == jur.id)).all()
        rows = []
        for i in range(n):
            due = TODAY + dt.timedelta(days=i % 425 - 60)   # from two months overdue to a year ahead
            unit = units[i % len(units)]
            rows.append({"jurisdiction_id": jur.id, "host_id": f"b-{i}", "committee_id": committees[i % len(committees)],
                         "unit_id": unit.id, "unit_name": unit.name, "kind": "提案", "title": f"关于第{i}件事的建议",
                         "received_on": due - dt.timedelta(days=91), "due_on": due, "original_due_on": due,
                         "status": "open", "state": "received", "round": 1})
        for i in range(0, n, 5000):
            db.session.execute(insert(Submission), rows[i:i + 5000])
        db.session.commit()
        db.engine.dispose()


def copy(src: Path, dst: Path) -> Path:
    with sqlite3.connect(src) as a, sqlite3.connect(dst) as b:
        a.backup(b)
    return dst


def per_task_loop(liaison, jur, today: dt.date) -> list[Reminder]:
    """The baseline: every open task in Python, the ledger asked and written once per task."""
    days = sorted((int(d) for d in liaison.config["REMINDER_DAYS"]), reverse=True)
    bounds = {d: (low, high) for d, low, high in windows(days, today, int(liaison.config["REMINDER_CATCH_UP_DAYS"]))}
    sent = []
    for s in db.session.scalars(select(Submission).where(Submission.jurisdiction_id == jur.id,
                                                         Submission.status == "open")):
        d = next((d for d, (low, high) in bounds.items() if low <= s.due_on <= high), None)
        if d is None:
            continue
        r = Reminder(jur.id, "submission", s.host_id, {"role": "unit", "unit": s.unit_name}, f"{d}@{s.due_on}",
                     f"{d}天后到期：{s.title}", "……", {"submission_id": s.host_id, "offset_days": d})
        if db.session.scalar(select(ReminderSent.id).where(
                ReminderSent.jurisdiction_id == jur.id, ReminderSent.kind == r.kind, ReminderSent.subject == r.subject,
                ReminderSent.recipient_key == r.recipient_key, ReminderSent.offset == r.offset)) is None:
            db.session.add(ReminderSent(jurisdiction_id=jur.id, kind=r.kind, subject=r.subject,
                                        recipient_key=r.recipient_key, offset=r.offset, recipient=r.recipient,
                                        title=r.title))
            db.session.flush()
            liaison.call("notify", about=r.subject, recipient=r.recipient, subject=r.title, body=r.body)
            sent.append(r)
    db.session.commit()
    return sent


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tasks", type=int, default=100_000)
    tasks = ap.parse_args().tasks
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        t0 = time.perf_counter()
        build(tmp / "seed.sqlite3", tasks)
        print(f"data: {tasks:,} open reply tasks in a SQLite file (due dates from {TODAY - dt.timedelta(days=60)} "
              f"to {TODAY + dt.timedelta(days=364)}), built in {time.perf_counter() - t0:.1f} s; today {TODAY}")
        results = {}
        for name in ("ours", "baseline"):
            path = copy(tmp / "seed.sqlite3", tmp / f"{name}.sqlite3")
            app = create_app({"DATABASE_URL": f"sqlite:///{path}", "REMIND_IN_WORKER": False},
                             instance_path=str(tmp / name))
            liaison = app.extensions["oa_liaison"]
            with app.app_context():
                if name == "ours":
                    def one(day):
                        return [(line["subject"], line["offset"]) for line in reminders.run(liaison, day)
                                if line["kind"] == "submission"]
                else:
                    jur = liaison.jurisdiction()

                    def one(day):
                        return [(r.subject, r.offset) for r in per_task_loop(liaison, jur, day)]
                first, t_first = timed(lambda: one(TODAY))
                again, t_again = timed(lambda: one(TODAY))
                nxt, t_next = timed(lambda: one(TODAY + dt.timedelta(days=1)))
                results[name] = (len(first), len(again), t_first, t_again, set(first) | set(nxt), len(nxt), t_next)
                db.engine.dispose()
    (n1, a1, f1, s1, k1, x1, t1), (n2, a2, f2, s2, k2, x2, t2) = results["ours"], results["baseline"]
    assert k1 == k2 and a1 == a2 == 0, "both must send the same reminders, once"
    for label, (n, f), (a, s_), (x, t) in (("ours (one query per offset)", (n1, f1), (a1, s1), (x1, t1)),
                                           ("baseline (per-task loop)   ", (n2, f2), (a2, s2), (x2, t2))):
        print(f"{label}: first pass {f:6.2f} s ({n:,} sent) | same day again {s_:6.2f} s ({a} sent) | "
              f"next day {t:6.2f} s ({x:,} sent)")
    print(f"ratio (baseline / ours)    : first pass {f2 / f1:5.1f}x | same day again {s2 / s1:5.1f}x | "
          f"next day {t2 / t1:5.1f}x")
    print(f"target: a pass over {tasks:,} open tasks <= 2 s: {'met' if max(f1, s1, t1) <= 2 else 'NOT met'}")


if __name__ == "__main__":
    main()
