"""A consultation on a draft (征求意见稿): the same decision as issuing, before 签发, one consultation per committee."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import insert, select

from ..clock import county_today
from ..config import county_zone
from ..delivery import deliver_due
from ..errors import InputError
from ..events import IssuedDocument
from ..models import Committee, Consultation, Copy, Decision, Document, db, utcnow
from ..replies.deadlines import add_working_days, calendar
from .decide import decide
from .route import _INSERT_DOCUMENT, _bad_event, _document_values, _file_fields, decision_row, snapshot_of


def _due(liaison):
    return add_working_days(county_today(liaison.config), int(liaison.config["CONSULTATION_WORKING_DAYS"]),
                            calendar(liaison))


def opened(doc_id: int) -> list[dict]:
    """The consultations of a document: ``{"id", "committee", "due", "status", "position", "opinion"}``."""
    rows = db.session.execute(select(Consultation, Committee.name).join(
        Committee, Committee.id == Consultation.committee_id).where(Consultation.document_id == doc_id)
        .order_by(Consultation.id)).all()
    return [{"id": c.id, "committee": name, "due": c.due_on.isoformat(), "status": c.status, "stage": c.stage,
             "position": c.position, "opinion": c.opinion,
             "answered_at": c.answered_at.isoformat() if c.answered_at else None} for c, name in rows]


def _answer(host_id, consultations, reasons, *, status, hold_reason=None, duplicate=False) -> dict:
    return {"document_id": host_id, "status": status, "consultations": consultations, "reasons": reasons,
            "held": status in ("held", "unmatched"), "hold_reason": hold_reason, "duplicate": duplicate}


def open_on_draft(liaison, document) -> dict:
    """The built-in draft_for_consultation: decide the draft, open the consultations, offer the draft after commit."""
    try:
        doc = IssuedDocument.from_mapping(document)
    except InputError as exc:
        return {**_bad_event(document, exc), "consultations": []}
    jur = liaison.jurisdiction_row(doc.jurisdiction, host_id=doc.id)
    if jur.document_id is not None:   # idempotent on the host's id: the draft (or the issued document) is known
        last = db.session.scalar(select(Decision).where(Decision.document_id == jur.document_id)
                                 .order_by(Decision.id.desc()))
        row = db.session.get(Document, jur.document_id)
        return _answer(doc.id, opened(jur.document_id), last.reasons if last else [], status=row.status,
                       hold_reason=row.hold_reason, duplicate=True)
    case, verdict = decide(liaison, jur, doc)
    values = _document_values(liaison, jur, doc, case, verdict)
    # A draft is not issued: "drafted" until document_issued decides it again; never held for a person's
    # decision (a classified draft is simply never sent out).
    values["status"] = "drafted"
    conn = db.session.connection()
    doc_id = conn.execute(_INSERT_DOCUMENT, dict(values, received_at=values["decided_at"])).scalar_one()
    now = utcnow()
    reasons = list(verdict.reasons)
    conn.execute(insert(Decision.__table__), [decision_row(jur, doc_id, verdict, "drafted", now)])
    names = verdict.consultation_committees if verdict.status == "routed" else []
    if not names and verdict.status == "routed":
        reasons.append({"code": "no_consultation", "text": "非重大事项，无需签发前征求意见"})
    if names:
        ids = liaison.resolver(jur).committee_ids
        due = _due(liaison)
        draft_name = values["meta"].get("file_name") or doc.title
        conn.execute(insert(Consultation.__table__), [dict(
            document_id=doc_id, committee_id=ids[n], due_on=due, status="open", stage="before", created_at=now,
            draft_sha256=values["file_sha256"], draft_name=draft_name) for n in names])
        # The copy's snapshot as an issued document's, but a draft: not issued, named as the 征求意见稿.
        draft = {**snapshot_of(values), "issued_on": None,
                 **_file_fields(draft_name, values["meta"].get("format"), values["file_sha256"])}
        for c in opened(doc_id):
            snapshot = {"kind": "consultation", "consultation_id": c["id"], "due": c["due"], **draft}
            conn.execute(insert(Copy.__table__), [dict(
                document_id=doc_id, committee_id=ids[c["committee"]], unit_id=None, kind="consultation",
                status="pending", snapshot=snapshot, attempts=0, next_attempt_at=now, created_at=now,
                reasons=[r for r in verdict.reasons if r.get("committee") in (None, c["committee"])])])
    consultations = opened(doc_id)
    db.session.commit()
    if names and liaison.config["DELIVER_INLINE"]:
        deliver_due(liaison, limit=50, document_ids=[doc_id])
    return _answer(doc.id, [{k: c[k] for k in ("id", "committee", "due")} for c in consultations], reasons,
                   status="held" if verdict.held else verdict.status, hold_reason=verdict.hold_reason)


def opinions(liaison, document) -> list[str]:
    """What the committees said on a document's draft, one line each, for the signer (签发前预检)."""
    if not isinstance(document, dict) or not document.get("id"):
        return []
    jur = liaison.jurisdiction_row(document.get("jurisdiction"), host_id=str(document["id"]))
    if jur.document_id is None:
        return []
    zone = county_zone(liaison.config)
    lines = []
    for c in opened(jur.document_id):
        if c["status"] == "answered":
            day = dt.datetime.fromisoformat(c["answered_at"]).replace(tzinfo=dt.timezone.utc).astimezone(zone).date()
            lines.append(f"{c['committee']}（{day.isoformat()}）：{c['position'] or '意见'}——{c['opinion']}")
        else:
            lines.append(f"{c['committee']}：征求意见尚未反馈，{c['due']}到期")
    return lines


def answered(liaison, answer) -> dict:
    """A host's ``consultation.answered``: ``{"consultation_id", "opinion", "position"?, "attachment"?}`` → the
    answer recorded (an attachment ``{"name", "data_base64"}`` is read for 密级 first, refused if classified)."""
    from ..audit import HOST
    from ..operations import AlreadyDone, consultations as ops
    from ..inputs import parse
    from ..inputs.events import ConsultationAnswered
    try:
        given = parse(ConsultationAnswered, answer)   # the model the API checks the event's data with
        cid = given.consultation_id
        name, data = (given.attachment.name, given.attachment.data_base64) if given.attachment else (None, None)
        with liaison.work(HOST) as uow:
            c = db.session.get(Consultation, cid)
            if c is None:
                raise InputError("consultation_id", f"没有编号为 {cid} 的征求意见")
            stored = ops.answer(uow, c, given.opinion, utcnow(), given.position,
                                attachment_name=name, attachment=data)
        return {"consultation_id": cid, "status": "answered", "attachment_name": stored}
    except InputError as exc:
        return {"consultation_id": answer.get("consultation_id") if isinstance(answer, dict) else None,
                "status": "error", "error": str(exc), "field": exc.field}
    except AlreadyDone:
        return {"consultation_id": answer.get("consultation_id"), "status": "error", "field": "consultation_id",
                "error": "这项征求意见已经反馈过意见，未重复记录"}
