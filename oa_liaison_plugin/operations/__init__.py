"""What a person or a host does, one module per feature; each operation validates, changes, audits and
proposes notifications through a unit of work (``with liaison.work(actor) as uow``), which commits once."""
from __future__ import annotations

from ..models import db


class AlreadyDone(Exception):
    """Someone else did it first (two clerks on the same item): nothing was changed."""


def once(statement) -> None:
    """Run a guarded UPDATE that must change exactly one row, else AlreadyDone."""
    # A guarded UPDATE rather than read-then-write: of two clerks at once, exactly one changes the row.
    if db.session.execute(statement, execution_options={"synchronize_session": False}).rowcount != 1:
        raise AlreadyDone()
    db.session.flush()
