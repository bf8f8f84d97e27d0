"""A unit of work: one change, its audit entries and its notifications, committed once, then told."""
from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any, Callable

from . import audit
from .audit import Actor
from .models import Jurisdiction, db

_HTTP_HOOKS = "oa_liaison_plugin.http.hooks"


def recipient(jurisdiction, role: str, name: str) -> dict:
    """A notify recipient (``role`` and its name) with the jurisdiction it belongs to (a code or a row)."""
    code = jurisdiction if isinstance(jurisdiction, str) else jurisdiction.code
    return {"role": role, role: name, "jurisdiction": code}


@dataclass
class Notice:
    """A notification proposed by an operation; sent only once its transaction has committed."""
    recipient: dict
    subject: str
    body: str
    about: str | None = None
    kind: str = "notice"        # the clerks' message kind: notice | reminder
    ids: dict | None = None     # the recipient's unit_id/committee_id when the caller knows them
    kept: bool = False          # its message is already in the transaction (a reminder's claim wrote it)


@dataclass
class UnitOfWork:
    """What an operation is given: the actor, the audit entries it stages, the notices it proposes."""
    liaison: Any
    actor: Actor
    notices: list[Notice] = field(default_factory=list)
    entries: list = field(default_factory=list)
    _after: list[Callable[[], Any]] = field(default_factory=list)

    def audit(self, action: str, target: str | None, before: Any = None, after: Any = None, *,
              jurisdiction_id: int | None = None, note: str | None = None):
        """Stage an audit entry by this unit's actor (committed with the change)."""
        entry = audit.record(self.actor, action, target, before, after, jurisdiction_id=jurisdiction_id, note=note)
        self.entries.append(entry)
        return entry

    def notify(self, to: dict, subject: str, body: str, *, about: str | None = None, kind: str = "notice",
               ids: dict | None = None, kept: bool = False) -> None:
        """Propose a notification; ``to`` must name its jurisdiction (see :func:`recipient`). ``kept``: the
        caller has written its message (see :mod:`~oa_liaison_plugin.claims`)."""
        if not isinstance(to, dict) or not to.get("jurisdiction"):
            raise ValueError(f"a notification's recipient must name its jurisdiction: {to!r}")
        self.notices.append(Notice(dict(to), subject, body, about, kind, ids, kept))

    def after_commit(self, fn: Callable[[], Any]) -> None:
        """Run ``fn`` once the change is committed (never after a rollback)."""
        self._after.append(fn)

    def _stage(self) -> None:
        # Each notice is kept as a message for its recipient's clerks (消息), in this transaction.
        # One statement for the messages and one for the outbox, however many notices (a reminder pass has thousands).
        from . import messages
        from .models import Message, insert_all
        rows = messages.notice_rows(self.liaison, [n for n in self.notices if not n.kept])
        insert_all(Message, [r for r in rows if r])
        # The built-in HTTP outbox queues its rows in this transaction: committed with the change, or not at all.
        if self.notices and self.liaison.pm.get_plugin(_HTTP_HOOKS) is not None:
            from .http import hooks
            hooks.enqueue_all(self.liaison, [(n.recipient, n.subject, n.body) for n in self.notices])

    def _finish(self) -> None:
        from .http.hooks import queued
        with queued():
            for n in self.notices if listeners(self.liaison) else ():
                self.liaison.call("notify", about=n.about, recipient=n.recipient, subject=n.subject, body=n.body)
        for fn in self._after:
            fn()


def listeners(liaison) -> list:
    """The notify implementations a unit of work calls after its commit: all but the built-in HTTP outbox's,
    which would do nothing then (the unit queued its rows); none spares a reminder pass thousands of calls."""
    return [i for i in liaison.pm.hook.notify.get_hookimpls() if i.plugin_name != _HTTP_HOOKS]


@contextlib.contextmanager
def work(liaison, actor: Actor):
    """``with work(liaison, actor) as uow:`` the block's changes and ``uow``'s entries commit once, or roll back
    (nothing sent); the notices go out after the commit."""
    uow = UnitOfWork(liaison, actor)
    with liaison.context():
        try:
            yield uow
            uow._stage()
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
        uow._finish()


def jurisdiction_code(jurisdiction_id: int) -> str:
    """The code of a jurisdiction row (for a recipient built from an id)."""
    return db.session.get(Jurisdiction, jurisdiction_id).code
