"""A committee's opinion on a consultation (征求意见): recorded once, audited, the issuing unit told."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import update

from . import once
from ..config import county_zone
from ..errors import InputError
from ..models import Committee, Consultation, Document, Jurisdiction, Unit, db
from ..work import recipient


def local(config, at: dt.datetime) -> str:
    """A stored UTC time as the county reads it."""
    return at.replace(tzinfo=dt.timezone.utc).astimezone(county_zone(config)).strftime("%Y-%m-%d %H:%M")


POSITIONS = ("同意", "修改意见", "不同意")


def answer(uow, c: Consultation, opinion: str, at: dt.datetime, position: str | None = None) -> None:
    """The committee's opinion (and position) on an open consultation (AlreadyDone if someone answered first)."""
    if position is not None and position not in POSITIONS:
        raise InputError("position", f"意见类别应为 {'、'.join(POSITIONS)} 之一，实际为“{position}”")
    if not (opinion or "").strip():
        raise InputError("opinion", "请填写委员会的意见")
    document = db.session.get(Document, c.document_id)
    committee = db.session.get(Committee, c.committee_id).name
    once(update(Consultation).where(Consultation.id == c.id, Consultation.status == "open")
         .values(status="answered", opinion=opinion, answered_at=at, position=position))
    uow.audit("consultation.answer", f"consultation-{c.id}", {"status": "open", "opinion": None},
              {"status": "answered", "opinion": opinion, "position": position,
               "answered_at": at.isoformat(), "committee": committee,
               "document": document.title}, jurisdiction_id=document.jurisdiction_id)
    jurisdiction = db.session.get(Jurisdiction, document.jurisdiction_id)
    if uow.liaison.pm.get_plugin("oa_liaison_plugin.http.hooks") is not None:
        from ..http.hooks import enqueue_event   # the drafting unit's host hears it as liaison.consultation
        enqueue_event(uow.liaison, jurisdiction.code, "liaison.consultation", {
            "consultation_id": c.id, "document_id": document.host_id, "committee": committee, "status": "answered",
            "position": position, "opinion": opinion, "answered_at": at.isoformat(), "stage": c.stage})
    unit = db.session.get(Unit, document.unit_id) if document.unit_id else None
    title = document.title or document.doc_number or document.host_id
    uow.notify(recipient(jurisdiction, "unit",
                         unit.name if unit else document.issuer),
               f"征求意见反馈：《{title}》",
               f"{committee}已于{local(uow.liaison.config, at)}就《{document.title or ''}》"
               f"{('（' + document.doc_number + '）') if document.doc_number else ''}反馈意见：\n{opinion}\n"
               f"（填写人：{uow.actor.name}）", about=f"consultation-{c.id}")
