"""liaison.decision callbacks: each decision on a subscribing host's document, queued in the decision's transaction."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import insert

from ..models import Decision, Notification
from .hosts import decision_subscriber

TYPE = "liaison.decision"
# Built once: the first is on every document's path.
_INSERT_DECISION = insert(Decision.__table__).inline()   # no RETURNING: PostgreSQL need not answer it at once
_INSERT_DECISION_ID = insert(Decision.__table__).returning(Decision.__table__.c.id)
_INSERT_NOTIFICATION = insert(Notification.__table__)


def stamp(at: dt.datetime) -> str:
    """A naive UTC time as RFC 3339 with Z (the callbacks' one spelling)."""
    return at.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def decision_data(jur, host_id: str, decision_id: int, verdict, trigger: str, committee_ids: dict,
                  at: dt.datetime) -> dict:
    """The callback's data: what was decided about the host's document, and why (lists are never null)."""
    return {"document_id": host_id, "jurisdiction": jur.code, "decision_id": decision_id, "status": verdict.status,
            "held": verdict.status in ("held", "unmatched"), "hold_reason": verdict.hold_reason,
            "committees": [{"committee_id": committee_ids.get(name), "committee": name}
                           for name in verdict.committees or []],
            "reasons": list(verdict.reasons or []), "trigger": trigger, "decided_at": stamp(at)}


def record_decisions(liaison, conn, jur, decided: list[tuple], committee_ids) -> None:
    """Insert the decision rows, each (row, host's document id, verdict); when the jurisdiction's callback host
    subscribes, queue each one's liaison.decision beside it (the same transaction: retried, given up and
    redelivered like a notification).

    ``committee_ids``: a callable giving the committees' ids by name, called only for a subscriber."""
    subscriber = decision_subscriber(liaison.config, jur.id)
    if subscriber is None:   # the hot path of a jurisdiction without subscribers: no extra statement
        conn.execute(_INSERT_DECISION, [row for row, _, _ in decided])
        return
    ids = committee_ids()
    for row, host_id, verdict in decided:
        decision_id = conn.execute(_INSERT_DECISION_ID, row).scalar_one()
        at = row["created_at"]
        conn.execute(_INSERT_NOTIFICATION, dict(
            host_id=subscriber, status="pending", attempts=0, next_attempt_at=at, created_at=at,
            payload={"type": TYPE, "id": f"decision-{decision_id}",
                     "data": decision_data(jur, host_id, decision_id, verdict, row["trigger"], ids, at)}))
