"""Built-in submission_received: a reply task with a deadline for each committee submission (三(四))."""
from __future__ import annotations

from ..delivery import record_error
from ..events import EventInputError
from ..plugins import hookimpl
from ..replies.deadlines import add_months  # noqa: F401  (kept importable from here)
from ..models import Jurisdiction, db
from ..replies.tasks import cohandlers, create, recipient


def _error(submission, message):
    sid = str(submission.get("id"))[:128] if isinstance(submission, dict) else None
    db.session.rollback()   # this event's own work failed: none of it stays (the error log is written apart)
    record_error("submission_received", "bad_event", message, subject=sid)
    return {"submission_id": sid, "status": "error", "error": message, "unit": None, "committee": None, "due": None}


@hookimpl
def submission_received(liaison, submission):
    with liaison.context():
        try:
            row, new = create(liaison, submission)
            db.session.commit()
            co = [(c.unit_name, c.due_on) for c in cohandlers(row.id)]
            committee = row.committee.name
            jur = db.session.get(Jurisdiction, row.jurisdiction_id)
            if new:
                liaison.call("notify", about=row.host_id, recipient=recipient(liaison, jur, "unit", row.unit_name),
                             subject=f"待答复：{committee}{row.kind}",
                             body=f"收到{committee}的{row.kind}《{row.title}》，请于{row.due_on.isoformat()}前答复。"
                                  + (f"会办单位：{'、'.join(n for n, _ in co)}。" if co else ""))
                for name, due in co:
                    liaison.call("notify", about=row.host_id, recipient=recipient(liaison, jur, "unit", name),
                                 subject=f"待会办：{committee}{row.kind}",
                                 body=f"{committee}的{row.kind}《{row.title}》由{row.unit_name}主办、贵单位会办，"
                                      f"请于{due.isoformat()}前把会办意见送主办单位。")
            return {"submission_id": row.host_id, "unit": row.unit_name, "committee": committee,
                    "due": row.due_on.isoformat(), "unit_known": True, "state": row.state,
                    "cohandlers": [{"unit": n, "due": d.isoformat()} for n, d in co]}
        except EventInputError as exc:
            return _error(submission, str(exc))
        except LookupError as exc:
            return _error(submission, f"字段 jurisdiction：{exc}")
        except Exception as exc:
            db.session.rollback()
            return _error(submission, f"内部错误已记录：{type(exc).__name__}: {exc}")
