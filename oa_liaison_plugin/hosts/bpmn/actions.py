"""What the BPMN host does at each service task: the task's id names the action (see tools/build_bpmn.py)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from ...clock import county_today
from ...config import county_zone
from ...models import db
from .models import NumberCounter, StoredAttachment, StoredFile

DOCUMENT_FIELDS = ("issuer", "title", "doc_number", "doc_type", "main_recipients", "cc", "secrecy", "file_name",
                   "secrecy_period", "note", "issued_on", "flags", "url", "body")


def document_event(key: str, data: dict) -> dict:
    """The 发文 instance's document as oa-liaison's document_issued takes it (the file from the host's store)."""
    event = {"id": f"bpmn-{key}", **{f: data[f] for f in DOCUMENT_FIELDS if data.get(f) not in (None, "", [], {})}}
    stored = db.session.scalar(select(StoredFile).where(StoredFile.instance_key == key))
    if stored is not None:
        event["file"] = stored.data
    attachments = db.session.scalars(select(StoredAttachment).where(StoredAttachment.instance_key == key)
                                     .order_by(StoredAttachment.position)).all()
    if attachments:
        event["attachments"] = [{"name": a.name, "data": a.data} for a in attachments]
    return event


def pre_check(host, key: str, data: dict) -> dict:
    """预检 after 会签: does the pre-issue check say 重大事项 (then the draft goes to the committees first)?"""
    advice = host.liaison.check_before_issue(document_event(key, data))
    return {"consult_needed": any(m.startswith("重大事项") for m in advice), "liaison_advice": advice}


def consult(host, key: str, data: dict) -> dict:
    """征求政协意见: send the draft (idempotent on the document id); the wait ends at the latest due date."""
    answer = host.liaison.draft_for_consultation(document_event(key, data)) or {}
    opened = answer.get("consultations") or []
    zone = county_zone(host.liaison.config)
    last = max((dt.date.fromisoformat(c["due"]) for c in opened), default=county_today(host.liaison.config))
    # The timer fires as the due date begins in the county: what came in by then goes to 签发.
    deadline = dt.datetime.combine(last, dt.time(), tzinfo=zone)
    return {"consultation_ids": [c["id"] for c in opened], "consultation_deadline": deadline.isoformat(),
            "consulted_committees": [c["committee"] for c in opened]}


def sign_check(host, key: str, data: dict) -> dict:
    """签发前预检: what oa-liaison will do with the document, for the signer to read before signing."""
    return {"liaison_advice": host.liaison.check_before_issue(document_event(key, data))}


def number(host, key: str, data: dict) -> dict:
    """编号: the next 发文字号 of the issuer's 机关代字 this year (a drafted number is kept)."""
    if data.get("doc_number"):
        return {}
    code = data.get("doc_code") or "南部发"
    year = dt.date.fromisoformat(data["issued_on"]).year if data.get("issued_on") else \
        county_today(host.liaison.config).year
    row = db.session.scalar(select(NumberCounter).where(NumberCounter.code == code, NumberCounter.year == year)
                            .with_for_update())
    if row is None:
        row = NumberCounter(code=code, year=year, last=0)
        db.session.add(row)
    row.last += 1
    db.session.flush()
    return {"doc_number": f"{code}〔{year}〕{row.last}号"}


def issue(host, key: str, data: dict) -> dict:
    """印发: tell oa-liaison; it decides, records and copies (idempotent on the document id)."""
    summary = host.liaison.document_issued(document_event(key, data)) or {}
    return {"liaison": {k: summary.get(k) for k in ("document_id", "status", "committees", "units",
                                                    "consultation_committees", "held", "hold_reason", "reasons",
                                                    "consulted_before_issue", "consultation_ids")}}


def distribute(host, key: str, data: dict) -> dict:
    """分发: the OA's own distribution list, with where oa-liaison copied the document."""
    copied = (data.get("liaison") or {}).get("committees") or (data.get("liaison") or {}).get("units") or []
    return {"distributed_to": [*(data.get("main_recipients") or []), *(data.get("cc") or [])],
            "copied_to": copied}


def register(host, key: str, data: dict) -> dict:
    """登记 (收文): a committee's submission is registered; oa-liaison gives it a reply deadline."""
    return {"liaison": host.liaison.submission_received({"id": f"bpmn-{key}", **data["submission"]})}


def record_reply(host, key: str, data: dict) -> dict:
    """答复登记: oa-liaison records that the submission was answered (its deadline stops running)."""
    from ...audit import Actor
    from ...errors import InputError
    from ...models import Submission
    from ...operations import AlreadyDone, replies
    jur = host.liaison.jurisdiction_row()
    sid = db.session.scalar(select(Submission.id).where(Submission.jurisdiction_id == jur.id,
                                                        Submission.host_id == f"bpmn-{key}"))
    letter = data.get("reply") or {}
    try:
        if sid is None:
            return {"reply_recorded": False}
        with host.liaison.work(Actor.host("bpmn")) as uow:
            task = db.session.get(Submission, sid)
            if letter.get("doc_number") and letter.get("date"):   # the letter's number and date: a reply of record
                replies.send_reply(uow, task, letter["doc_number"], letter["date"], "（主办系统）")
            else:
                replies.mark_replied(uow, task)
        return {"reply_recorded": True}
    except (AlreadyDone, InputError) as exc:
        return {"reply_recorded": False, **({"error": str(exc)} if str(exc) else {})}


def schedule(host, key: str, data: dict) -> dict:
    """会议登记: oa-liaison says whose leaders to invite (三(一)(三)) or records the liaison meeting (三(六))."""
    return {"liaison": host.liaison.meeting_scheduled({"id": f"bpmn-{key}", **data["meeting"]})}


ACTIONS = {f.__name__: f for f in (pre_check, consult, sign_check, number, issue, distribute, register, record_reply,
                                   schedule)}
