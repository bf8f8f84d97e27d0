"""What a committee or a unit does to a consultation, a submission or a copy: change the row, flush;
the caller (a panel request, a command) stages its audit entry and commits once."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import update

from .models import Consultation, Copy, Submission, db


class AlreadyDone(Exception):
    """Someone else did it first (two clerks on the same item): nothing was changed."""


def answer_consultation(consultation_id: int, opinion: str, at: dt.datetime) -> None:
    """A committee's opinion on an open consultation: it becomes answered (once)."""
    _once(update(Consultation).where(Consultation.id == consultation_id, Consultation.status == "open")
          .values(status="answered", opinion=opinion, answered_at=at))


def mark_replied(submission_id: int) -> None:
    """A unit has replied to a submission, letter unknown: its deadline no longer runs (once).
    With the letter's number and date, replies.tasks.send_reply records the answer itself."""
    _once(update(Submission).where(Submission.id == submission_id, Submission.status == "open")
          .values(status="replied", state="sent"))


def mark_read(copy_id: int, at: dt.datetime) -> None:
    """A committee (or unit) has read its copy: the read receipt's time, recorded once."""
    _once(update(Copy).where(Copy.id == copy_id, Copy.read_at.is_(None)).values(read_at=at))


def _once(statement) -> None:
    # A guarded UPDATE rather than read-then-write: of two clerks at once, exactly one changes the row.
    if db.session.execute(statement, execution_options={"synchronize_session": False}).rowcount != 1:
        raise AlreadyDone()
    db.session.flush()
