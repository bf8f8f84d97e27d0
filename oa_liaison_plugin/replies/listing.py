"""Due-soon and overdue lists of reply tasks: one query, the same filters for the CLI and the panel."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from ..models import Committee, Submission, db
from .tasks import STATES


def tasks_query(jurisdiction_id: int, today: dt.date, *, unit_ids=None, committee_id=None, **filters):
    """Tasks of a jurisdiction whose main unit is one of ``unit_ids`` / of a committee, filtered."""
    q = select(Submission).where(Submission.jurisdiction_id == jurisdiction_id)
    if unit_ids is not None:
        q = q.where(Submission.unit_id.in_(unit_ids))
    if committee_id is not None:
        q = q.where(Submission.committee_id == committee_id)
    return filtered(q, today, **filters)


def filtered(q, today: dt.date, *, state=None, overdue=False, due_within=None):
    """A task query narrowed to a state, to the overdue ones, or to those due within ``due_within`` days."""
    if state:
        q = q.where(Submission.state == state)
    if overdue:
        q = q.where(Submission.status == "open", Submission.due_on < today)
    if due_within is not None:
        q = q.where(Submission.status == "open", Submission.due_on >= today,
                    Submission.due_on <= last_day(today, due_within))
    return q


def last_day(today: dt.date, days: int) -> dt.date:
    """``today`` plus ``days``, or the last date there is when that lies beyond it."""
    if days >= (dt.date.max - today).days:
        return dt.date.max
    return today + dt.timedelta(days=days)


def task_line(s: Submission, committee: str, today: dt.date) -> dict:
    late = s.status == "open" and s.due_on < today
    return {"submission_id": s.host_id, "unit": s.unit_name, "committee": committee, "kind": s.kind,
            "title": s.title, "received": s.received_on.isoformat(), "due": s.due_on.isoformat(),
            "original_due": (s.original_due_on or s.due_on).isoformat(), "state": s.state,
            "state_label": STATES.get(s.state, s.state), "round": s.round, "overdue": late,
            "days_left": (s.due_on - today).days if s.status == "open" else None}


def task_lines(query, today: dt.date) -> list[dict]:
    names = dict(db.session.execute(select(Committee.id, Committee.name)).all())
    return [task_line(s, names.get(s.committee_id), today)
            for s in db.session.scalars(query.order_by(Submission.due_on, Submission.id))]
