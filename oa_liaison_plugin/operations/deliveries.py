"""Dead letters: a person redelivers a copy or notification that was given up (audited, retried anew)."""
from __future__ import annotations

from sqlalchemy import update

from . import once
from .. import deadletters
from ..errors import InputError
from ..models import utcnow


def redeliver(uow, ref: str) -> tuple[str, int]:
    """Make a dead copy or notification pending and due now, its retry window and schedule started again;
    returns (kind, id) for the try that follows the commit."""
    kind, row = deadletters.find(ref)
    if row.status != "dead":
        raise InputError("id", f"{kind}-{row.id} 不是已放弃的投递（状态：{row.status}），无须重新投递")
    before = deadletters.describe(kind, row)
    model = deadletters.KINDS[kind]
    now = utcnow()
    once(update(model).where(model.id == row.id, model.status == "dead").values(
        status="pending", attempts=0, next_attempt_at=now, lease_until=None, retry_since=now, dead_at=None))
    uow.audit(f"{kind}.redeliver", f"{kind}-{row.id}", before, {"status": "pending"},
              jurisdiction_id=deadletters.jurisdiction_id(kind, row))
    return kind, row.id
