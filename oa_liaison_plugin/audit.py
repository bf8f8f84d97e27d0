"""The append-only audit log and who acted: a panel user, ``cli:<os user>`` or ``host:<name>``."""
from __future__ import annotations

import datetime as dt
import getpass
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, DateTime, Index, Integer, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.schema import DDL

from .models import db, utcnow


@dataclass(frozen=True)
class Actor:
    """Who acted, as the audit log names them; ``user_id`` and ``remote_addr`` only for a panel user."""
    name: str
    user_id: int | None = None
    jurisdiction_id: int | None = None
    remote_addr: str | None = None

    @classmethod
    def of_user(cls, user, remote_addr: str | None = None) -> "Actor":
        return cls(user.username, user.id, user.jurisdiction_id, remote_addr)

    @classmethod
    def cli(cls) -> "Actor":
        try:
            return cls(f"cli:{getpass.getuser()}")
        except (KeyError, OSError):
            return cls("cli:?")

    @classmethod
    def host(cls, name: str) -> "Actor":
        return cls(f"host:{name}")


# A host's event (the event inbox records which host sent it).
HOST = Actor.host("主办系统")


class AuditEntry(db.Model):
    """Who changed what, before and after; rows are never updated or deleted."""
    __tablename__ = "liaison_audit"
    __table_args__ = (Index("ix_liaison_audit_jurisdiction", "jurisdiction_id", "id"),
                      Index("ix_liaison_audit_target", "target", "action"))
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # Plain integers, no foreign keys: a cascade from a deleted row must never touch the log.
    jurisdiction_id: Mapped[int | None] = mapped_column(Integer)
    user_id: Mapped[int | None] = mapped_column(Integer)
    username: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str | None] = mapped_column(String(256))
    before: Mapped[Any] = mapped_column(JSON, nullable=True)
    after: Mapped[Any] = mapped_column(JSON, nullable=True)
    remote_addr: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)


def record(actor: Actor, action: str, target: str | None, before: Any = None, after: Any = None, *,
           jurisdiction_id: int | None = None, note: str | None = None) -> AuditEntry:
    """Stage one entry in the current transaction, so the change and its record commit (or fail) together."""
    entry = AuditEntry(action=action, target=(target or "")[:256] or None, before=before, after=after,
                       user_id=actor.user_id, username=actor.name[:64],
                       jurisdiction_id=jurisdiction_id if jurisdiction_id is not None else actor.jurisdiction_id,
                       remote_addr=actor.remote_addr, note=note)
    db.session.add(entry)
    return entry


_SQLITE_TRIGGERS = [
    f"CREATE TRIGGER IF NOT EXISTS liaison_audit_no_{op.lower()} BEFORE {op} ON liaison_audit "
    f"BEGIN SELECT RAISE(ABORT, 'liaison_audit is append-only'); END"
    for op in ("UPDATE", "DELETE")
]
_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION liaison_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'liaison_audit is append-only';
END
$$ LANGUAGE plpgsql
"""
_PG_TRIGGERS = [
    "CREATE TRIGGER liaison_audit_no_change BEFORE UPDATE OR DELETE ON liaison_audit "
    "FOR EACH ROW EXECUTE FUNCTION liaison_audit_append_only()",
    "CREATE TRIGGER liaison_audit_no_truncate BEFORE TRUNCATE ON liaison_audit "
    "FOR EACH STATEMENT EXECUTE FUNCTION liaison_audit_append_only()",
]


def append_only_ddl(dialect: str) -> list[str]:
    """The statements that make liaison_audit append-only (for create_all and for a migration)."""
    return {"sqlite": _SQLITE_TRIGGERS, "postgresql": [_PG_FUNCTION, *_PG_TRIGGERS]}.get(dialect, [])


for _dialect in ("sqlite", "postgresql"):
    for _sql in append_only_ddl(_dialect):
        event.listen(AuditEntry.__table__, "after_create", DDL(_sql).execute_if(dialect=_dialect))
