"""A person's decision on a held document: copy it, copy nothing, or record a classified one's offline handover."""
from __future__ import annotations

import datetime as dt

from ..delivery import deliver_due
from ..models import Document
from ..decision.route import Verdict, decide_manually, record_handover


def _before(row: Document) -> dict:
    return {"status": row.status, "hold_reason": row.hold_reason}


def decide(uow, row: Document, committees: list[str], *, reason: str) -> Verdict:
    """Copy a held document to ``committees`` (none: not copied); the copies are offered after the commit.
    Classified and NotHeld as in :func:`~oa_liaison_plugin.decision.route.decide_manually`."""
    before, doc_id = _before(row), row.id
    verdict = decide_manually(uow.liaison, row, committees, reason=reason, user=uow.actor.name)
    uow.audit("document.manual_copy" if committees else "document.no_copy", f"document-{doc_id}", before,
              {"status": "routed" if committees else "not_qualified", "reason": reason,
               **({"committees": committees} if committees else {})}, jurisdiction_id=row.jurisdiction_id)
    liaison = uow.liaison
    if committees and liaison.config["DELIVER_INLINE"]:  # as on the automatic path; else the worker sends them
        uow.after_commit(lambda: deliver_due(liaison, limit=len(committees) * 2, document_ids=[doc_id]))
    return verdict


def handover(uow, row: Document, committees: list[str], *, handed_on: dt.date, handed_by: str,
             reason: str) -> Verdict:
    """Record that a held classified document went to ``committees`` offline, through 机要 channels."""
    before = _before(row)
    verdict = record_handover(uow.liaison, row, committees, handed_on=handed_on, handed_by=handed_by,
                              reason=reason, user=uow.actor.name)
    uow.audit("document.handover", f"document-{row.id}", before,
              {"status": "offline", "committees": committees, "handed_on": handed_on.isoformat(),
               "handed_by": handed_by, "reason": reason}, jurisdiction_id=row.jurisdiction_id)
    return verdict
