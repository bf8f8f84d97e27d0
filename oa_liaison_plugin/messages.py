"""Messages (消息): every notification and reminder kept for the unit or committee it is addressed to, so its
clerks read it on the panel as well as in the host OA."""
from __future__ import annotations

from sqlalchemy import select

from .models import Jurisdiction, Message, db, insert_all, utcnow


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
         kind: str = "notice", ids: dict | None = None) -> None:
    """Add the message to the current transaction (committed with the change or the reminder's claim)."""
    keep_all(liaison, [dict(jurisdiction_id=jurisdiction_id, recipient=recipient, subject=subject, body=body,
                            about=about, kind=kind, ids=ids)])


def keep_all(liaison, kept: list[dict]) -> None:
    """Add many messages to the current transaction in one statement (a reminder pass keeps thousands).

    Each is a dict of ``keep``'s arguments; ``ids`` (``unit_id``/``committee_id``), when the caller knows
    them, spares resolving the recipient's name."""
    insert_all(Message, rows(liaison, kept))


def rows(liaison, kept: list[dict]) -> list[dict]:
    """The message table's rows for ``keep_all``'s arguments."""
    now, codes, seen = utcnow(), {}, {}
    out = []
    for m in kept:
        ids = m.get("ids")
        if not ids or not (ids.get("unit_id") or ids.get("committee_id")):
            jid, recipient = m["jurisdiction_id"], m["recipient"]
            key = (jid, recipient.get("role"), recipient.get(recipient.get("role") or ""))
            if key not in seen:    # a pass names the same units again and again
                if jid not in codes:
                    codes[jid] = db.session.get(Jurisdiction, jid)
                seen[key] = addressed(liaison, codes[jid], recipient)
            ids = seen[key]
        about = m.get("about")
        out.append({"jurisdiction_id": m["jurisdiction_id"], "recipient": dict(m["recipient"]),
                    "kind": m.get("kind") or "notice", "subject": m["subject"][:512], "body": m["body"],
                    "about": (about or None) and str(about)[:256], "created_at": now,
                    "unit_id": ids.get("unit_id"), "committee_id": ids.get("committee_id")})
    return out


def notice_rows(liaison, notices) -> list[dict | None]:
    """The message row of each of a unit of work's notices (None: its recipient names no jurisdiction here)."""
    jids: dict = {}
    for n in notices:
        code = n.recipient.get("jurisdiction")
        if code not in jids:
            jids[code] = jurisdiction_of(liaison, n.recipient)
    known = [n for n in notices if jids[n.recipient.get("jurisdiction")] is not None]
    made = iter(rows(liaison, [dict(jurisdiction_id=jids[n.recipient.get("jurisdiction")], recipient=n.recipient,
                                    subject=n.subject, body=n.body, about=n.about, kind=n.kind, ids=n.ids)
                               for n in known]))
    return [next(made) if jids[n.recipient.get("jurisdiction")] is not None else None for n in notices]


def jurisdiction_of(liaison, recipient: dict) -> int | None:
    """The id of the jurisdiction a recipient names (the default one when it names none)."""
    code = recipient.get("jurisdiction") or liaison.config["JURISDICTION"]
    return db.session.scalar(select(Jurisdiction.id).where(Jurisdiction.code == code))
