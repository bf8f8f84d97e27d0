"""What happens to a reply task: created, drafted, extended, answered, rated (perhaps reopened), co-handled.

Each change is a guarded UPDATE (operations.once) so two clerks at once change a task once; the operation
(operations.replies) audits, tells the other side and commits. Bad input raises InputError naming the field, in Chinese.
"""
from __future__ import annotations

import datetime as dt
from pathlib import PurePath

from sqlalchemy import func, select, update

from ..clock import county_today
from ..events import SUBMISSION_COLUMNS, _date, _text, check_lengths
from ..errors import InputError
from ..inputs import parse
from ..inputs.events import SubmissionReceived
from ..models import Cohandler, Committee, Extension, Reply, Submission, Unit, db, max_length, utcnow
from ..operations import once as _once
from .deadlines import add_months, calendar, due_date, months_for

STATES = {"received": "已收到", "drafting": "办理中", "sent": "已答复", "rated": "已评价", "reopened": "重新办理"}
RATINGS = ("满意", "基本满意", "不满意")
NEEDS_OPINION = ("基本满意", "不满意")   # the unit must learn what is still wanted
BODY_LIMIT = 200_000   # a submission's text (a 调研报告 runs to some ten thousand characters)
# A signed reply's first bytes: .docx is a zip, .pdf starts with %PDF.
MAGIC = {".docx": b"PK\x03\x04", ".pdf": b"%PDF"}


def _deadline(liaison, start: dt.date, months: int) -> dt.date:
    return due_date(start, months, working_days=bool(liaison.config["REPLY_WORKING_DAYS"]), extra=calendar(liaison))


# ------------------------------------------------------------------------------------ create


def check(liaison, submission) -> tuple:
    """A submission mapping checked and its names resolved, nothing written: (jurisdiction, committee's name,
    main unit, co-handling units, received date); InputError naming the field at fault."""
    if not isinstance(submission, dict):
        raise InputError("submission", "应为对象")
    given = parse(SubmissionReceived, submission)   # the model submission.received is checked with over HTTP
    check_lengths(submission, SUBMISSION_COLUMNS)
    received = given.received or county_today(liaison.config)
    jur = liaison.jurisdiction(given.jurisdiction)
    resolver = liaison.resolver(jur.code)
    committee = resolver.committee_named(given.committee)
    if committee is None:
        raise InputError("committee", f"未知委员会“{given.committee}”")
    unit = _unit(resolver, given.unit, "unit")
    cohandlers = [_unit(resolver, name, f"cohandlers[{i}]") for i, name in enumerate(given.cohandlers or []) if name]
    if any(c.unit_id == unit.unit_id for c in cohandlers):
        raise InputError("cohandlers", f"会办单位不能同时是主办单位（{unit.unit}）")
    return jur, committee, unit, cohandlers, received


def create(liaison, submission) -> tuple[Submission, bool]:
    """The reply task of a submission mapping (the hook's); an id seen before returns its task unchanged."""
    jur, committee, unit, cohandlers, received = check(liaison, submission)
    row = db.session.scalar(select(Submission).where(Submission.jurisdiction_id == jur.id,
                                                     Submission.host_id == str(submission["id"])))
    if row is not None:
        return row, False
    com = db.session.scalar(select(Committee).where(Committee.jurisdiction_id == jur.id, Committee.name == committee))
    due = _deadline(liaison, received, months_for(liaison.config, submission["kind"]))
    row = Submission(jurisdiction_id=jur.id, host_id=str(submission["id"]), committee_id=com.id,
                     unit_id=unit.unit_id, unit_name=unit.unit, kind=submission["kind"],
                     title=str(submission["title"]).strip(), number=_text(submission.get("number"), "number",
                                                                           limit=max_length(Submission.number)),
                     received_on=received, due_on=due, original_due_on=due, state="received", status="open",
                     round=1, body=_text(submission.get("body"), "body", limit=BODY_LIMIT))
    db.session.add(row)
    db.session.flush()
    co_due = _deadline(liaison, received, int(liaison.config["COHANDLING_MONTHS"]))
    for c in {c.unit_id: c for c in cohandlers}.values():
        db.session.add(Cohandler(submission_id=row.id, unit_id=c.unit_id, unit_name=c.unit, due_on=co_due))
    return row, True


def _unit(resolver, name, field_name: str):
    """A unit named by its id, name, alias or full name, with a counterpart committee; else InputError."""
    found = resolver.unit_named(name)
    if not found.resolved:
        hint = f"（相近：{'、'.join(found.suggestions)}）" if found.suggestions else ""
        raise InputError(field_name, f"未知单位“{name}”{hint}")
    return found


def cohandlers(submission_id: int) -> list[Cohandler]:
    return list(db.session.scalars(select(Cohandler).where(Cohandler.submission_id == submission_id)
                                   .order_by(Cohandler.id)))


def replies(submission_id: int) -> list[Reply]:
    """Every answer of a task, first round first (the history of answers and ratings)."""
    return list(db.session.scalars(select(Reply).where(Reply.submission_id == submission_id).order_by(Reply.round)))


def extensions(submission_id: int) -> list[Extension]:
    return list(db.session.scalars(select(Extension).where(Extension.submission_id == submission_id)
                                   .order_by(Extension.id)))


def summary(s: Submission) -> dict:
    """A task as JSON (the CLI's and the hook's stable keys)."""
    return {"submission_id": s.host_id, "unit": s.unit_name, "committee": s.committee.name, "kind": s.kind,
            "title": s.title, "number": s.number, "received": s.received_on.isoformat(), "due": s.due_on.isoformat(),
            "original_due": (s.original_due_on or s.due_on).isoformat(), "state": s.state, "round": s.round,
            "cohandlers": [{"unit": c.unit_name, "due": c.due_on.isoformat(), "status": c.status,
                            "opinion": c.opinion} for c in cohandlers(s.id)],
            "extensions": [{"from": e.old_due_on.isoformat(), "to": e.new_due_on.isoformat(), "reason": e.reason,
                            "by": e.by, "at": e.at.isoformat(timespec="seconds")} for e in extensions(s.id)],
            "replies": [{"round": r.round, "doc_number": r.doc_number, "sent_on": r.sent_on.isoformat(),
                         "due": r.due_on.isoformat(), "on_time": r.sent_on <= r.due_on, "file_sha256": r.file_sha256,
                         "rating": r.rating, "rating_comment": r.rating_comment} for r in replies(s.id)]}


def draft_fields(s: Submission) -> dict:
    """What the reply draft (复函) takes from the task; the clerk adds number, signer and contact. A task reopened
    after a rating also gives the answer rated and the committee's opinion, which the second draft quotes."""
    out = {"unit": s.unit_name, "committee": s.committee.name, "kind": s.kind, "title": s.title,
           "number": s.number or "", "received": s.received_on.isoformat()}
    rated = next((r for r in reversed(replies(s.id)) if r.round < s.round and r.rating), None)
    if rated is not None:
        out.update(previous=rated.doc_number, previous_date=rated.sent_on.isoformat(), rating=rated.rating,
                   opinion=rated.rating_comment or "")
    return out


# ------------------------------------------------------------------------------------ changes


def start_drafting(submission_id: int) -> bool:
    """The clerk took the draft: received/reopened -> drafting (nothing when already further)."""
    return db.session.execute(update(Submission).where(
        Submission.id == submission_id, Submission.state.in_(("received", "reopened"))).values(state="drafting"),
        execution_options={"synchronize_session": False}).rowcount == 1


def extend(s: Submission, new_due, reason: str, by: str) -> Extension:
    """Move an open task's deadline later, recording why, who and when; the original stays beside it."""
    new_due = _date(new_due, "due")
    if new_due is None:
        raise InputError("due", "不能为空")
    reason = _text(reason, "reason", limit=2000, required=True)
    if s.status != "open":
        raise InputError("submission", f"已答复（{STATES.get(s.state, s.state)}），不能延期")
    if new_due <= s.due_on:
        raise InputError("due", f"新的期限应晚于现在的期限 {s.due_on.isoformat()}")
    ext = Extension(submission_id=s.id, round=s.round, old_due_on=s.due_on, new_due_on=new_due, reason=reason,
                    by=by[:128], at=utcnow())
    _changed(s, update(Submission).where(Submission.id == s.id, Submission.status == "open",
                                         Submission.due_on == s.due_on).values(due_on=new_due))
    db.session.add(ext)
    return ext


def _changed(s: Submission, statement) -> None:
    """A guarded UPDATE of a loaded task (once), then the task re-read on next access."""
    _once(statement)
    db.session.expire(s)


def check_reply_file(name: str | None, data: bytes | None, types) -> str | None:
    """The signed reply's file name, if its ending and first bytes say .docx or .pdf; None without a file."""
    if not data:
        return None
    suffix = PurePath(name or "").suffix.lower()
    if suffix not in types or suffix not in MAGIC:
        raise InputError("file", f"应为 {'/'.join(types)} 文件，实际为“{name}”")
    if not data.startswith(MAGIC[suffix]):
        raise InputError("file", f"“{name}”的内容不是 {suffix} 文件")
    return PurePath(name).name[:256]


def send_reply(liaison, s: Submission, doc_number: str, sent_on, by: str, *, file_name=None, data=None,
               today: dt.date | None = None) -> Reply:
    """The unit's answer went out: its 发文字号, date and (optional) signed file; the deadline stops."""
    from ..documents.gbt9704 import normalize_doc_number
    from ..decision.route import _store_blob
    number = normalize_doc_number(_text(doc_number, "doc_number", limit=64, required=True))
    if number is None:
        raise InputError("doc_number", f"发文字号应为“机关代字〔年份〕序号号”，如：南教函〔2025〕5号，实际为 {doc_number!r}")
    sent_on = _date(sent_on, "date")
    if sent_on is None:
        raise InputError("date", "不能为空")
    today = today or county_today(liaison.config)
    if sent_on < s.received_on or sent_on > today:
        raise InputError("date", f"复函日期应在收到日期（{s.received_on.isoformat()}）与今天之间")
    name = check_reply_file(file_name, data, liaison.config["REPLY_FILE_TYPES"])
    if s.status != "open":
        raise InputError("submission", f"这件来件已经答复（{STATES.get(s.state, s.state)}）")
    reply = Reply(submission_id=s.id, round=s.round, doc_number=number, sent_on=sent_on, due_on=s.due_on,
                  file_sha256=_store_blob(data) if name else None, file_name=name, sent_by=by[:128])
    _changed(s, update(Submission).where(Submission.id == s.id, Submission.status == "open")
             .values(status="replied", state="sent"))
    db.session.add(reply)
    db.session.flush()
    return reply


def rate(liaison, s: Submission, committee: str, rating: str, comment: str | None, by: str,
         *, today: dt.date | None = None) -> Reply:
    """The committee rates the latest answer; a rating in REOPEN_RATINGS reopens the task for a new answer."""
    if rating not in RATINGS:
        raise InputError("rating", f"应为 {'/'.join(RATINGS)}，实际为 {rating!r}")
    if committee != s.committee.name:
        raise InputError("committee", f"只有来件的委员会（{s.committee.name}）可以评价，不是“{committee}”")
    comment = _text(comment, "comment", limit=2000)
    if rating in NEEDS_OPINION and not comment:
        raise InputError("comment", f"评价为“{rating}”的，请写明意见：哪些地方不满意、还需要答复什么")
    if s.state != "sent":
        raise InputError("submission", f"当前状态为“{STATES.get(s.state, s.state)}”，没有待评价的答复")
    reply = db.session.scalar(select(Reply).where(Reply.submission_id == s.id, Reply.round == s.round))
    reopen = rating in liaison.config["REOPEN_RATINGS"]
    values = {"state": "rated"}
    if reopen:
        due = _deadline(liaison, today or county_today(liaison.config), int(liaison.config["REOPEN_MONTHS"]))
        values = {"state": "reopened", "status": "open", "round": s.round + 1, "due_on": due, "original_due_on": due}
    _changed(s, update(Submission).where(Submission.id == s.id, Submission.state == "sent",
                                         Submission.round == s.round).values(**values))
    reply.rating, reply.rating_comment, reply.rated_at, reply.rated_by = rating, comment, utcnow(), by[:128]
    db.session.flush()
    return reply


def give_opinion(c: Cohandler, opinion: str, by: str) -> None:
    """A co-handling unit's opinion for the main unit (once)."""
    opinion = _text(opinion, "opinion", limit=20000, required=True)
    _once(update(Cohandler).where(Cohandler.id == c.id, Cohandler.status == "open")
          .values(status="answered", opinion=opinion, answered_at=utcnow(), answered_by=by[:128]))


# ------------------------------------------------------------------------------------ figures


def on_time(jurisdiction_id: int, today: dt.date, year: int) -> dict:
    """The 按期答复率 of submissions received in ``year``, in all and per (top-level) unit, counted as the
    yearly review counts it (review.stats.ON_TIME_DEFINITION): ``{"year", "total", "units"}``."""
    from ..review import stats
    names = dict(db.session.execute(select(Unit.id, Unit.name).where(Unit.jurisdiction_id == jurisdiction_id)).all())
    by_committee, by_unit = stats.submission_stats_both(jurisdiction_id, year, today)
    units = [{"unit": names.get(unit_id), **stats.on_time_rate(on_time_n, due)}
             for unit_id, (_, _, on_time_n, due) in by_unit.items() if due]
    # In all: by committee, as the review's totals (every submission has one; a unit not in the table has none).
    counts = by_committee.values()
    total = stats.on_time_rate(sum(c[2] for c in counts), sum(c[3] for c in counts))
    return {"year": year, "total": total,
            "units": sorted(units, key=lambda r: (-(r["rate"] or 0), r["unit"] or ""))}


def received_years(jurisdiction_id: int) -> list[int]:
    """The years submissions were received in, newest first."""
    received = func.extract("year", Submission.received_on)
    return sorted({int(y) for y in db.session.scalars(select(received).where(
        Submission.jurisdiction_id == jurisdiction_id).distinct())}, reverse=True)


__all__ = ["STATES", "RATINGS", "create", "summary", "start_drafting", "extend", "send_reply", "rate",
           "give_opinion", "on_time", "received_years", "add_months"]
