"""Built-in submission_received: a reply task with a deadline for each committee submission (三(四))."""
from __future__ import annotations

import calendar
import datetime as dt

from sqlalchemy import select

from ..delivery import record_error
from ..events import SUBMISSION_COLUMNS, SUBMISSION_KINDS as KINDS, EventInputError, check_lengths
from ..models import Committee, Submission, db
from ..plugins import hookimpl



def add_months(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _error(submission, message):
    sid = str(submission.get("id"))[:128] if isinstance(submission, dict) else None
    record_error("submission_received", "bad_event", message, subject=sid)
    return {"submission_id": sid, "status": "error", "error": message, "unit": None, "committee": None, "due": None}


@hookimpl
def submission_received(liaison, submission):
    with liaison.context():
        try:
            if not isinstance(submission, dict):
                return _error(submission, "submission 应为对象")
            for f in ("id", "committee", "unit", "kind", "title"):
                if not isinstance(submission.get(f), (str, int)) or not str(submission.get(f)).strip():
                    return _error(submission, f"字段 {f}：不能为空")
            try:
                check_lengths(submission, SUBMISSION_COLUMNS)
            except EventInputError as exc:
                return _error(submission, str(exc))
            if submission["kind"] not in KINDS:
                return _error(submission, f"字段 kind：应为 {'/'.join(KINDS)}，实际为 {submission['kind']!r}")
            try:
                received = dt.date.fromisoformat(str(submission.get("received") or dt.date.today().isoformat()))
            except ValueError:
                return _error(submission, f"字段 received：日期应为 YYYY-MM-DD，实际为 {submission.get('received')!r}")
            jur = liaison.jurisdiction(submission.get("jurisdiction"))
            resolver = liaison.resolver(jur.code)
            committee = resolver.committee(str(submission["committee"]))
            if committee is None:
                return _error(submission, f"字段 committee：未知委员会“{submission['committee']}”")
            unit = resolver.resolve(str(submission["unit"]))
            com = db.session.scalar(select(Committee).where(Committee.jurisdiction_id == jur.id,
                                                            Committee.name == committee))
            row = db.session.scalar(select(Submission).where(Submission.jurisdiction_id == jur.id,
                                                             Submission.host_id == str(submission["id"])))
            if row is None:
                row = Submission(jurisdiction_id=jur.id, host_id=str(submission["id"]), committee_id=com.id,
                                 unit_id=unit.unit_id, unit_name=unit.unit or str(submission["unit"]),
                                 kind=submission["kind"], title=str(submission["title"]).strip(),
                                 number=submission.get("number"), received_on=received,
                                 due_on=add_months(received, int(liaison.config["REPLY_MONTHS"])))
                db.session.add(row)
                db.session.commit()
                liaison.call("notify", about=row.host_id, recipient={"role": "unit", "unit": row.unit_name},
                                       subject=f"待答复：{committee}{row.kind}",
                                       body=f"收到{committee}的{row.kind}《{row.title}》，请于{row.due_on.isoformat()}前答复。")
            return {"submission_id": row.host_id, "unit": row.unit_name, "committee": committee,
                    "due": row.due_on.isoformat(), "unit_known": unit.resolved}
        except Exception as exc:
            db.session.rollback()
            return _error(submission, f"内部错误已记录：{type(exc).__name__}: {exc}")
