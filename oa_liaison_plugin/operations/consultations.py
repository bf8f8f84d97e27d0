"""A committee's opinion on a consultation (征求意见): recorded once, audited, the issuing unit told."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import update

from pathlib import PurePath

from . import AlreadyDone, once
from ..config import county_zone
from ..documents.read import MB
from ..errors import InputError
from ..models import Committee, Consultation, Document, Jurisdiction, Unit, db, max_length
from ..work import recipient


def local(config, at: dt.datetime) -> str:
    """A stored UTC time as the county reads it."""
    return at.replace(tzinfo=dt.timezone.utc).astimezone(county_zone(config)).strftime("%Y-%m-%d %H:%M")


POSITIONS = ("同意", "修改意见", "不同意")


def checked_attachment(config, name: str | None, data: bytes | None) -> tuple[str, str] | None:
    """An answer's attachment, read for 密级 like any file: ``(name, sha256)`` once stored; refused if classified."""
    from ..decision.decide import read_attachment
    from ..decision.route import _store_blob
    from ..documents.secrecy import strictest
    if not data:
        return None
    name = PurePath((name or "").strip() or "附件").name[:max_length(Consultation.attachment_name)]
    limit = int(config["CONSULTATION_ATTACHMENT_MAX_BYTES"])
    if len(data) > limit:
        raise InputError("attachment", f"附件过大（{len(data) / MB:.1f} MB，上限 {limit / MB:.0f} MB），未保存")
    entry, marks, note = read_attachment(1, name, data, limit)
    if marks:
        level = strictest(m.level for m in marks)
        raise InputError("attachment", f"附件“{name}”标有密级（{level}），依照保密法不得通过本系统传送，未保存；"
                                       f"请通过机要渠道线下报送")
    if entry["error"]:
        raise InputError("attachment", f"附件“{name}”无法读取（{entry['error']['message']}），无法核对密级，未保存；"
                                       f"请另存为 .docx 或 PDF 后重新上传")
    if note:
        raise InputError("attachment", f"附件“{name}”的附注限制传阅（{note}），未保存")
    return name, _store_blob(data)


def answer(uow, c: Consultation, opinion: str, at: dt.datetime, position: str | None = None, *,
           attachment_name: str | None = None, attachment: bytes | None = None) -> str | None:
    """The committee's opinion (and position, and an optional attachment) on an open consultation; returns
    the attachment's stored name.

    AlreadyDone if someone answered first; InputError for a bad position, no opinion, or an attachment that
    is too large, unreadable or classified (never stored).
    """
    if position is not None and position not in POSITIONS:
        raise InputError("position", f"意见类别应为 {'、'.join(POSITIONS)} 之一，实际为“{position}”")
    if not (opinion or "").strip():
        raise InputError("opinion", "请填写委员会的意见")
    document = db.session.get(Document, c.document_id)
    committee = db.session.get(Committee, c.committee_id).name
    if c.status != "open":
        raise AlreadyDone()
    stored = checked_attachment(uow.liaison.config, attachment_name, attachment)
    file_name, sha = stored or (None, None)
    once(update(Consultation).where(Consultation.id == c.id, Consultation.status == "open")
         .values(status="answered", opinion=opinion, answered_at=at, position=position,
                 attachment_name=file_name, attachment_sha256=sha))
    uow.audit("consultation.answer", f"consultation-{c.id}", {"status": "open", "opinion": None},
              {"status": "answered", "opinion": opinion, "position": position,
               "answered_at": at.isoformat(), "committee": committee, "attachment": file_name,
               "document": document.title}, jurisdiction_id=document.jurisdiction_id)
    jurisdiction = db.session.get(Jurisdiction, document.jurisdiction_id)
    if uow.liaison.pm.get_plugin("oa_liaison_plugin.http.hooks") is not None:
        from ..http.hooks import enqueue_event   # the drafting unit's host hears it as liaison.consultation
        enqueue_event(uow.liaison, jurisdiction.code, "liaison.consultation", {
            "consultation_id": c.id, "document_id": document.host_id, "committee": committee, "status": "answered",
            "position": position, "opinion": opinion, "answered_at": at.isoformat(), "stage": c.stage,
            "attachment_name": file_name})
    unit = db.session.get(Unit, document.unit_id) if document.unit_id else None
    title = document.title or document.doc_number or document.host_id
    uow.notify(recipient(jurisdiction, "unit",
                         unit.name if unit else document.issuer),
               f"征求意见反馈：《{title}》",
               f"{committee}已于{local(uow.liaison.config, at)}就《{document.title or ''}》"
               f"{('（' + document.doc_number + '）') if document.doc_number else ''}反馈意见：\n{opinion}\n"
               + (f"（附件：{file_name}）\n" if file_name else "") +
               f"（填写人：{uow.actor.name}）", about=f"consultation-{c.id}")
    return file_name
