"""Reminder passes for reply tasks: the main unit before its deadline and once overdue, co-handlers likewise.

Offsets are days before the due date; 0 is the overdue reminder, sent on the first day after the due date.
Each offset has a window of due dates, one query each: offset d covers the tasks for which d is the most
recent offset already reached. A pass missed for some days (a stopped worker) therefore sends, per task,
only the reminder that is due now — not the stale ones it skipped — and an overdue reminder is caught up
for at most REMINDER_CATCH_UP_DAYS. The ledger's offset is "<d>@<due date>", so an extended or reopened
task is reminded again against its new deadline, and never twice against the same one.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from ..models import Cohandler, Committee, Submission, db
from ..plugins import hookimpl
from ..reminders import Reminder
from ..work import recipient
from .deadlines import days_left, due_title


def windows(offsets, today: dt.date, catch_up: int):
    """(offset, lowest due date, highest due date) per offset, the largest offset first; windows are disjoint."""
    days = sorted({int(d) for d in offsets}, reverse=True)
    highs = [today + dt.timedelta(days=d) if d > 0 else today - dt.timedelta(days=1) for d in days]
    for i, d in enumerate(days):
        low = highs[i + 1] + dt.timedelta(days=1) if i + 1 < len(days) else highs[i] - dt.timedelta(days=catch_up)
        yield d, low, highs[i]


def reminder_text(what: str, due: dt.date, today: dt.date) -> tuple[str, str]:
    """Title and text from the days really left (a window's offset is only which reminder it is)."""
    title = f"{due_title(due, today)}：{what}"
    if due < today:
        return title, f"{what}的答复期限为{due.isoformat()}，{days_left(due, today)}，请尽快答复。"
    if due == today:
        return title, f"{what}今天到期（{due.isoformat()}），请今天答复。"
    return title, f"{what}应于{due.isoformat()}前答复（{days_left(due, today)}）。"


def task_words(committee: str, kind: str, title: str, round_: int) -> str:
    """A reply task as a reminder names it: 教科文卫体委员会提案《…》（第2次答复）."""
    return f"{committee}{kind}《{title}》" + (f"（第{round_}次答复）" if round_ > 1 else "")


def _reminders(liaison, jur, today: dt.date, offsets: str, kind: str, rows_between, what):
    """One query per offset (``rows_between(low, high)``: the rows whose due date is in its window, with the
    recipient unit's id as ``unit_id``)."""
    catch_up = int(liaison.config["REMINDER_CATCH_UP_DAYS"])
    for d, low, high in windows(liaison.config[offsets], today, catch_up):
        for r in db.session.connection().execute(rows_between(low, high)).all():   # one fetch, not one a row
            title, body = reminder_text(what(r), r.due_on, today)
            yield Reminder(jur.id, kind, r.host_id, recipient(jur, "unit", r.unit_name),
                           f"{d}@{r.due_on.isoformat()}", title, body,
                           {"submission_id": r.host_id, "offset_days": d, "due": r.due_on.isoformat(),
                            "days_left": (r.due_on - today).days}, {"unit_id": r.unit_id})


def submission_reminders(liaison, jur, today: dt.date):
    """The main unit (主办) of every open reply task, at each offset before its deadline and once overdue."""
    def rows_between(low, high):
        return (select(Submission.host_id, Submission.unit_name, Submission.unit_id, Submission.kind, Submission.title,
                       Submission.due_on, Submission.round, Committee.name.label("committee"))
                .join(Committee, Committee.id == Submission.committee_id)
                .where(Submission.jurisdiction_id == jur.id, Submission.status == "open",
                       Submission.due_on >= low, Submission.due_on <= high))

    return _reminders(liaison, jur, today, "REMINDER_DAYS", "submission", rows_between,
                      lambda r: task_words(r.committee, r.kind, r.title, r.round))


def cohandling_reminders(liaison, jur, today: dt.date):
    """Co-handling units (会办) whose opinion the main unit still waits for."""
    def rows_between(low, high):
        return (select(Submission.host_id, Submission.unit_name.label("main_unit"), Submission.kind,
                       Submission.title, Cohandler.unit_name, Cohandler.unit_id, Cohandler.due_on)
                .join(Submission, Submission.id == Cohandler.submission_id)
                .where(Submission.jurisdiction_id == jur.id, Submission.status == "open",
                       Cohandler.status == "open", Cohandler.due_on >= low, Cohandler.due_on <= high))

    def what(r):
        return f"{r.kind}《{r.title}》的会办意见（送主办单位{r.main_unit}）"
    return _reminders(liaison, jur, today, "COHANDLING_REMINDER_DAYS", "cohandling", rows_between, what)


def consultation_reminders(liaison, jur, today: dt.date):
    """The committee of every open consultation (征求意见), before its due date and once overdue."""
    from ..models import Consultation, Document
    catch_up = int(liaison.config["REMINDER_CATCH_UP_DAYS"])
    for d, low, high in windows(liaison.config["REMINDER_DAYS"], today, catch_up):
        q = (select(Consultation.id, Consultation.due_on, Consultation.committee_id, Document.title,
                    Committee.name.label("committee"))
             .join(Document, Document.id == Consultation.document_id)
             .join(Committee, Committee.id == Consultation.committee_id)
             .where(Document.jurisdiction_id == jur.id, Consultation.status == "open",
                    Consultation.due_on >= low, Consultation.due_on <= high))
        for r in db.session.connection().execute(q):
            what = f"征求意见《{r.title or ''}》"
            title = f"{due_title(r.due_on, today)}：{what}"
            body = (f"{what}的反馈期限为{r.due_on.isoformat()}，{days_left(r.due_on, today)}，请尽快反馈意见。"
                    if r.due_on < today else f"{what}请于{r.due_on.isoformat()}前反馈意见（{days_left(r.due_on, today)}）。")
            yield Reminder(jur.id, "consultation", f"consultation-{r.id}", recipient(jur, "committee", r.committee),
                           f"{d}@{r.due_on.isoformat()}", title, body,
                           {"consultation_id": r.id, "offset_days": d, "due": r.due_on.isoformat(),
                            "days_left": (r.due_on - today).days}, {"committee_id": r.committee_id})


@hookimpl
def reminder_passes():
    """This feature's reminder passes."""
    return [submission_reminders, cohandling_reminders, consultation_reminders]
