"""Reply tasks (三(四)): a submission received, its deadline extended, answered, rated, co-handled; each audited,
and the other side told after the commit."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import update

from . import once
from .. import reminders
from ..errors import InputError
from ..models import Cohandler, Jurisdiction, Submission, db
from ..replies import tasks
from ..replies.remind import reminder_text, task_words
from ..sentences import ended
from ..work import recipient


def _before(s: Submission) -> dict:
    return {"state": s.state, "due": s.due_on.isoformat()}


def _to(s: Submission, role: str, name: str) -> dict:
    return recipient(db.session.get(Jurisdiction, s.jurisdiction_id), role, name)


def receive(uow, data) -> tuple[Submission, bool]:
    """A committee's submission becomes a reply task with its deadline (an id seen before: that task, unchanged);
    the main unit and each co-handling unit are told."""
    row, new = tasks.create(uow.liaison, data)
    if not new:
        return row, False
    summary = tasks.summary(row)
    uow.audit("submission.create", f"submission-{row.id}", None, summary, jurisdiction_id=row.jurisdiction_id)
    committee, co = row.committee.name, summary["cohandlers"]
    uow.notify(_to(row, "unit", row.unit_name), f"待答复：{committee}{row.kind}",
               f"收到{committee}的{row.kind}《{row.title}》，请于{row.due_on.isoformat()}前答复。"
               + (f"会办单位：{'、'.join(c['unit'] for c in co)}。" if co else ""), about=row.host_id)
    for c in co:
        uow.notify(_to(row, "unit", c["unit"]), f"待会办：{committee}{row.kind}",
                   f"{committee}的{row.kind}《{row.title}》由{row.unit_name}主办、贵单位会办，"
                   f"请于{c['due']}前把会办意见送主办单位。", about=row.host_id)
    return row, True


def extend(uow, s: Submission, due, reason: str, by: str):
    """Move an open task's deadline later, with the reason."""
    before = _before(s)
    ext = tasks.extend(s, due, reason, by)
    uow.audit("submission.extend", f"submission-{s.id}", before,
              {"due": ext.new_due_on.isoformat(), "reason": ext.reason, "by": by}, jurisdiction_id=s.jurisdiction_id)
    return ext


def send_reply(uow, s: Submission, doc_number: str, sent_on, by: str, *, file_name=None, data=None,
               today: dt.date | None = None):
    """The unit's answer went out (its 发文字号, date, signed file); the committee is told."""
    before = _before(s)
    r = tasks.send_reply(uow.liaison, s, doc_number, sent_on, by, file_name=file_name, data=data, today=today)
    uow.audit("submission.replied", f"submission-{s.id}", before,
              {"status": "replied", "reply_doc_number": r.doc_number, "reply_date": r.sent_on.isoformat(),
               "kind": s.kind, "title": s.title, "round": r.round, "file_name": r.file_name, "by": by},
              jurisdiction_id=s.jurisdiction_id)
    uow.notify(_to(s, "committee", s.committee.name), f"已答复：{s.kind}《{s.title}》",
               f"{s.unit_name}已答复贵委{s.kind}《{s.title}》，复函{r.doc_number}（{r.sent_on.isoformat()}）。"
               f"请在面板“来件答复”中查看并评价（满意/基本满意/不满意）。", about=s.host_id)
    return r


def rate(uow, s: Submission, committee: str, rating: str, comment: str | None, by: str,
         *, today: dt.date | None = None):
    """The committee rates the latest answer (perhaps reopening the task); the main unit is told."""
    before = _before(s)
    r = tasks.rate(uow.liaison, s, committee, rating, comment, by, today=today)
    uow.audit("submission.rated", f"submission-{s.id}", before,
              {"rating": rating, "comment": r.rating_comment, "round": r.round, "by": by},
              jurisdiction_id=s.jurisdiction_id)
    again = f"请于{s.due_on.isoformat()}前再次答复。" if s.state == "reopened" else ""
    uow.notify(_to(s, "unit", s.unit_name), f"答复评价：{r.rating}（{s.kind}《{s.title}》）",
               f"{s.committee.name}对复函{r.doc_number}的评价为“{r.rating}”。"
               + (f"意见：{ended(r.rating_comment)}" if r.rating_comment else "") + again, about=s.host_id)
    return r


def give_opinion(uow, s: Submission, c: Cohandler, opinion: str, by: str) -> None:
    """A co-handling unit's opinion goes to the main unit, which is told."""
    before = _before(s)
    tasks.give_opinion(c, opinion, by)
    uow.audit("submission.opinion", f"submission-{s.id}", before, {"unit": c.unit_name, "by": by},
              jurisdiction_id=s.jurisdiction_id)
    uow.notify(_to(s, "unit", s.unit_name), f"会办意见：{c.unit_name}（{s.kind}《{s.title}》）",
               f"会办单位{c.unit_name}已送来对{s.kind}《{s.title}》的会办意见，起草答复时可在面板中查看。",
               about=s.host_id)


def mark_replied(uow, s: Submission) -> None:
    """The host says the task was answered, letter unknown: its deadline stops (once); no one is told."""
    before = _before(s)
    once(update(Submission).where(Submission.id == s.id, Submission.status == "open")
         .values(status="replied", state="sent"))
    uow.audit("submission.replied", f"submission-{s.id}", before, {"status": "replied"},
              jurisdiction_id=s.jurisdiction_id)


def remind_now(uow, s: Submission, today: dt.date) -> reminders.Reminder:
    """立即提醒: the main unit of an open task is reminded now, at most once a (county) day — the reminder ledger's
    unique key decides, so of two clicks at once only one sends; the second is refused with the day it went."""
    if s.status != "open":
        raise InputError("submission", "这件来件已经答复，无需提醒")
    title, body = reminder_text(task_words(s.committee.name, s.kind, s.title, s.round), s.due_on, today)
    to = _to(s, "unit", s.unit_name)
    r = reminders.Reminder(s.jurisdiction_id, "submission", s.host_id, to, f"now@{today.isoformat()}", title, body,
                           {"submission_id": s.host_id, "offset_days": None, "due": s.due_on.isoformat(),
                            "days_left": (s.due_on - today).days, "now": True})
    claimed = reminders.claim([r])
    if not claimed:
        raise InputError("submission", f"今天（{today.isoformat()}）已经提醒过{s.unit_name}，每件来件每天只能立即提醒一次")
    uow.audit("submission.remind", f"submission-{s.id}", None,
              {"unit": s.unit_name, "title": title, "due": s.due_on.isoformat(), "date": today.isoformat()},
              jurisdiction_id=s.jurisdiction_id)
    uow.notify(to, title, body, about=s.host_id, kind="reminder")
    ids = list(claimed.values())
    uow.after_commit(lambda: reminders.notified(ids))
    return r
