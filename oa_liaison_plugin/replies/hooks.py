"""Built-in submission_received: a reply task with a deadline for each committee submission (三(四))."""
from __future__ import annotations

from ..audit import HOST, Actor
from ..delivery import record_error
from ..errors import InputError
from ..models import db
from ..operations import replies
from ..plugins import hookimpl
from .tasks import summary


def _error(submission, message, field=None):
    sid = str(submission.get("id"))[:128] if isinstance(submission, dict) else None
    db.session.rollback()   # this event's own work failed: none of it stays (the error log is written apart)
    record_error("submission_received", "bad_event", message, subject=sid)
    return {"submission_id": sid, "status": "error", "error": message, "unit": None, "committee": None, "due": None,
            **({"field": field} if field else {})}


def received(liaison, submission, actor: Actor) -> dict:
    """Register a submission as ``actor`` (the host, or a person from the panel or the shell): the hook's answer."""
    try:
        with liaison.work(actor) as uow:
            row, _ = replies.receive(uow, submission)
            out = summary(row)
        return {"submission_id": out["submission_id"], "unit": out["unit"], "committee": out["committee"],
                "due": out["due"], "unit_known": True, "state": out["state"],
                "cohandlers": [{"unit": c["unit"], "due": c["due"]} for c in out["cohandlers"]]}
    except InputError as exc:
        return _error(submission, str(exc), exc.field)
    except LookupError as exc:
        return _error(submission, f"字段 jurisdiction：{exc}", "jurisdiction")
    except Exception as exc:
        return _error(submission, f"内部错误已记录：{type(exc).__name__}: {exc}")


@hookimpl
def submission_received(liaison, submission):
    with liaison.context():
        return received(liaison, submission, HOST)
