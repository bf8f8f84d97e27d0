"""Operations on committee submissions shared by the panel and host adapters."""
from __future__ import annotations

from sqlalchemy import update

from .models import Submission, db


def mark_replied(liaison, host_id: str, *, doc_number: str | None = None, date=None,
                 jurisdiction: str | None = None) -> bool:
    """Mark the submission the host knows as ``host_id`` replied; False when unknown or replied already (flushes)."""
    jur = liaison.jurisdiction(jurisdiction)
    done = db.session.execute(update(Submission).where(
        Submission.jurisdiction_id == jur.id, Submission.host_id == host_id, Submission.status == "open")
        .values(status="replied"))
    db.session.flush()
    return done.rowcount == 1
