"""Copies: a clerk reads one (the sender gets a read receipt once); an administrator offers pending ones again."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import update

from . import once
from .consultations import local
from ..models import Committee, Copy, Document, Jurisdiction, Unit, db, utcnow
from ..work import recipient


def sender(copy: Copy, document: Document) -> dict:
    """Who hears that the copy was read: the issuing unit, or (reverse flow: a copy to a unit) the issuing
    committee — in the document's jurisdiction."""
    jur = db.session.get(Jurisdiction, document.jurisdiction_id)
    if copy.committee_id:
        unit = db.session.get(Unit, document.unit_id) if document.unit_id else None
        return recipient(jur, "unit", unit.name if unit else (copy.snapshot or {}).get("unit") or document.issuer)
    return recipient(jur, "committee", document.issuer)


def _reader(copy: Copy) -> str:
    if copy.committee_id:
        return db.session.get(Committee, copy.committee_id).name
    return db.session.get(Unit, copy.unit_id).name


def mark_read(uow, copy: Copy, at: dt.datetime) -> None:
    """Record the read time once (AlreadyDone when read before) and send the sender a receipt."""
    once(update(Copy).where(Copy.id == copy.id, Copy.read_at.is_(None)).values(read_at=at))
    document = db.session.get(Document, copy.document_id)
    uow.audit("copy.read", f"copy-{copy.id}", {"read_at": None}, {"read_at": at.isoformat()},
              jurisdiction_id=document.jurisdiction_id)
    title = document.title or document.doc_number or document.host_id
    uow.notify(sender(copy, document), f"已读回执：《{title}》",
               f"{_reader(copy)}已于{local(uow.liaison.config, at)}阅读贵单位抄送的《{document.title or ''}》"
               f"{('（' + document.doc_number + '）') if document.doc_number else ''}。"
               f"（阅读人：{uow.actor.name}）", about=f"copy-{copy.id}")


def make_due(uow, ids: list[int], action: str, target: str, jurisdiction_id: int) -> None:
    """Make these pending copies due now (the delivery that follows the commit offers them).

    A copy a worker holds (its lease not yet ended) stays that worker's: it is being tried now, and freeing
    it would let the delivery that follows offer it a second time beside that worker's try."""
    db.session.execute(update(Copy).where(Copy.id.in_(ids), Copy.status == "pending")
                       .values(next_attempt_at=utcnow()))
    uow.audit(action, target, None, {"copies": ids}, jurisdiction_id=jurisdiction_id)
