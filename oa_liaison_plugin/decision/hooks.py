"""Built-in document_issued and check_before_issue: route an issued document (notice 三(五))."""
from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from ..delivery import record_error
from ..errors import InputError
from ..models import db
from ..plugins import hookimpl
from .consult import open_on_draft, opinions
from .route import preview, route_document


@hookimpl(tryfirst=True)
def document_issued(liaison, document):
    with liaison.context():
        for attempt in (1, 2):
            try:
                return route_document(liaison, document)
            except IntegrityError as exc:
                # The same document issued twice at once: the other call won; the retry answers as a duplicate.
                db.session.rollback()
                error = exc
            except Exception as exc:  # never break the host's issuing flow
                error = exc
                break
        subject = str(document.get("id"))[:128] if isinstance(document, dict) else None
        db.session.rollback()   # the failed decision's own work: none of it stays (the error log is written apart)
        record_error("document_issued", "internal_error", f"{type(error).__name__}: {error}", subject=subject)
        return {"document_id": subject, "status": "error", "error": f"内部错误已记录：{type(error).__name__}",
                "held": False, "qualified": False, "hold_reason": None, "committees": [],
                "consultation_committees": [], "units": [], "reasons": [], "duplicate": False}


@hookimpl
def draft_for_consultation(liaison, document):
    with liaison.context():
        try:
            return open_on_draft(liaison, document)
        except Exception as exc:  # never break the host's drafting flow
            db.session.rollback()
            subject = str(document.get("id"))[:128] if isinstance(document, dict) else None
            record_error("draft_for_consultation", "internal_error", f"{type(exc).__name__}: {exc}", subject=subject)
            return {"document_id": subject, "status": "error", "error": f"内部错误已记录：{type(exc).__name__}",
                    "consultations": [], "reasons": [], "held": False, "hold_reason": None, "duplicate": False}


@hookimpl
def check_before_issue(liaison, document):
    with liaison.context():
        try:
            p = preview(liaison, document)
            heard = opinions(liaison, document)
        except InputError as exc:
            return [f"文件信息有误：{exc}"]
        except Exception as exc:
            db.session.rollback()
            record_error("check_before_issue", "internal_error", f"{type(exc).__name__}: {exc}")
            return [f"预检出错（已记录）：{type(exc).__name__}"]
    if p["status"] == "unmatched" or p["status"] == "held":
        return [p["hold_reason"]]
    if not p["qualified"]:
        return ["此文件不抄送政协专门委员会：" + p["reasons"][0]["text"]]
    msgs = ["印发后将抄送：" + "、".join(p["committees"] or p["units"])]
    if heard:
        msgs += ["重大事项，已于签发前征求意见："] + heard
    elif p["consultation_committees"]:
        msgs.append("重大事项，将向以下委员会征求意见：" + "、".join(p["consultation_committees"]))
    return msgs
