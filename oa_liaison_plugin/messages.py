"""Messages (消息): every notification and reminder kept for the unit or committee it is addressed to, so its
clerks read it on the panel as well as in the host OA."""
from __future__ import annotations

from .models import Jurisdiction, Message, db, utcnow


def addressed(liaison, jurisdiction, recipient: dict) -> dict:
    """The unit or committee a notify recipient names, as ids of its jurisdiction (unknown names: none)."""
    role, name = recipient.get("role"), recipient.get(recipient.get("role") or "")
    if not isinstance(name, str) or not name:
        return {"unit_id": None, "committee_id": None}
    resolver = liaison.resolver(jurisdiction)
    if role == "committee":
        found = resolver.committee(name)
        return {"unit_id": None, "committee_id": resolver.committee_ids.get(found) if found else None}
    found = resolver.resolve(name)
    return {"unit_id": found.unit_id if found.resolved else None, "committee_id": None}


def keep(liaison, jurisdiction_id: int, recipient: dict, subject: str, body: str, *, about=None,
         kind: str = "notice") -> None:
    """Add the message to the current transaction (committed with the change or the reminder's claim)."""
    jur = db.session.get(Jurisdiction, jurisdiction_id)
    db.session.add(Message(jurisdiction_id=jur.id, recipient=dict(recipient), kind=kind, subject=subject[:512],
                           body=body, about=(about or None) and str(about)[:256], created_at=utcnow(),
                           **addressed(liaison, jur, recipient)))


def jurisdiction_of(liaison, recipient: dict) -> int | None:
    """The id of the jurisdiction a recipient names (the default one when it names none)."""
    code = recipient.get("jurisdiction") or liaison.config["JURISDICTION"]
    return db.session.query(Jurisdiction.id).filter(Jurisdiction.code == code).scalar()
