"""SQLAlchemy models; every table is prefixed liaison_."""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import (JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, LargeBinary, String,
                        Text, UniqueConstraint, event, false, text)
from sqlalchemy.engine import Engine
from sqlalchemy.schema import DDL
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


BLOB_STORAGE = "ALTER TABLE liaison_blob ALTER COLUMN data SET STORAGE EXTERNAL"
# Long text written on every issued document and every event received: lz4 compresses it in half pglz's time
# (a 20-page body, 37 KB: 0.84 -> 0.44 ms an INSERT, and smaller). Only where the server has lz4 (PostgreSQL 14+
# built with it); elsewhere pglz stays. Upgraded databases get the same from migration 0025.
LZ4_COLUMNS = (("liaison_document", "body"), ("liaison_document", "meta"), ("liaison_http_inbox", "body"))
LZ4_AVAILABLE = ("SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' "
                 "AND 'lz4' = ANY(enumvals)")


def lz4_statements(connection) -> list[str]:
    """The ALTERs that give LZ4_COLUMNS lz4 compression, or none when the PostgreSQL server lacks lz4."""
    if connection.dialect.name != "postgresql" or connection.exec_driver_sql(LZ4_AVAILABLE).first() is None:
        return []
    return [f"ALTER TABLE {t} ALTER COLUMN {c} SET COMPRESSION lz4" for t, c in LZ4_COLUMNS]


def _compress_lz4(table, connection, **_) -> None:
    for statement in lz4_statements(connection):
        if statement.startswith(f"ALTER TABLE {table.name} "):
            connection.exec_driver_sql(statement)


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


def max_length(attribute) -> int | None:
    """How many characters a text column holds (``max_length(Document.secrecy)`` -> 16); None: no limit."""
    return getattr(attribute.property.columns[0].type, "length", None)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def insert_all(model, rows: list[dict]) -> None:
    """Rows into a model's table in the current transaction through Core, no ORM objects (on PostgreSQL as
    multi-row INSERTs of up to 1,000 rows: see ``engine.tune``)."""
    from sqlalchemy import insert
    if rows:
        db.session.execute(insert(model.__table__), rows)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_conn, _record):
    # WAL lets the panel read while a delivery worker writes; busy_timeout rides out short locks.
    if type(dbapi_conn).__module__.startswith("sqlite3"):
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA busy_timeout=10000")  # first: switching to WAL waits for other connections too
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()


# ------------------------------------------------------------------ the counterpart table


class Jurisdiction(db.Model):
    """A county (or city) with its own counterpart table and rules."""
    __tablename__ = "liaison_jurisdiction"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    prefixes: Mapped[list] = mapped_column(JSON, default=list)
    source: Mapped[str | None] = mapped_column(String(256))
    # Bumped on every table or rule change so caches in other processes rebuild.
    table_version: Mapped[int] = mapped_column(Integer, default=1)
    rules_version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class Committee(db.Model):
    """One of the CPPCC's standing special committees (专门委员会)."""
    __tablename__ = "liaison_committee"
    __table_args__ = (UniqueConstraint("jurisdiction_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("liaison_jurisdiction.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(128))
    section: Mapped[str | None] = mapped_column(String(32))
    aliases: Mapped[list] = mapped_column(JSON, default=list)
    position: Mapped[int] = mapped_column(Integer, default=0)


class Unit(db.Model):
    """A county department or organisation (单位); ``parent`` for bracketed sub-units."""
    __tablename__ = "liaison_unit"
    __table_args__ = (UniqueConstraint("jurisdiction_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("liaison_jurisdiction.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(128))
    full_name: Mapped[str | None] = mapped_column(String(256))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("liaison_unit.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    # Optimistic locking: a panel form carries the version it was loaded at (versions.py).
    version: Mapped[int] = mapped_column(Integer, default=1)
    parent: Mapped["Unit | None"] = relationship(remote_side=[id])
    names: Mapped[list["UnitName"]] = relationship(back_populates="unit", cascade="all, delete-orphan",
                                                   order_by="UnitName.id")


class UnitName(db.Model):
    """Another name of a unit: an alias, or a former name valid until a date."""
    __tablename__ = "liaison_unit_name"
    # Not unique: an alias may fold to the unit's own name; the table validator rejects
    # a key shared by two units.
    __table_args__ = (Index("ix_liaison_unit_name_key", "jurisdiction_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("liaison_jurisdiction.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("liaison_unit.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(256))
    key: Mapped[str] = mapped_column(String(256))
    kind: Mapped[str] = mapped_column(String(16))  # alias | former
    valid_until: Mapped[dt.date | None] = mapped_column(Date)
    unit: Mapped[Unit] = relationship(back_populates="names")


class Counterpart(db.Model):
    """The liaison link of section 四: a top-level unit -> its committee; a unit formed by merging units of
    the table keeps the committees of all of them (first: the lowest id)."""
    __tablename__ = "liaison_counterpart"
    __table_args__ = (UniqueConstraint("unit_id", "committee_id", name="uq_liaison_counterpart_unit_committee"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("liaison_unit.id", ondelete="CASCADE"))
    committee_id: Mapped[int] = mapped_column(ForeignKey("liaison_committee.id", ondelete="CASCADE"))
    unit: Mapped[Unit] = relationship()
    committee: Mapped[Committee] = relationship()


class UnitPattern(db.Model):
    """An open group of the notice (各中小学校) matched by a regex over unit names."""
    __tablename__ = "liaison_unit_pattern"
    __table_args__ = (UniqueConstraint("jurisdiction_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("liaison_jurisdiction.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(128))
    regex: Mapped[str] = mapped_column(String(512))
    committee_id: Mapped[int] = mapped_column(ForeignKey("liaison_committee.id", ondelete="CASCADE"))
    note: Mapped[str | None] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)
    # Optimistic locking: a panel form carries the version it was loaded at (versions.py).
    version: Mapped[int] = mapped_column(Integer, default=1)
    committee: Mapped[Committee] = relationship()


# --------------------------------------------------------------------------- routing rules


class Rule(db.Model):
    """A qualification or content rule (data; validated by decision.rules)."""
    __tablename__ = "liaison_rule"
    __table_args__ = (UniqueConstraint("jurisdiction_id", "rule_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("liaison_jurisdiction.id", ondelete="CASCADE"))
    rule_id: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer, default=0)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    data: Mapped[dict] = mapped_column(JSON)
    # Optimistic locking: a panel form carries the version it was loaded at (versions.py).
    version: Mapped[int] = mapped_column(Integer, default=1)


# ----------------------------------------------------------------- documents and decisions


class Blob(db.Model):
    """A frozen file (an issued .docx or an attachment), stored once by its SHA-256."""
    __tablename__ = "liaison_blob"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)


# PostgreSQL: files are stored out of line but never compressed (.docx, .ofd, .pdf are compressed already;
# pglz only burns the CPU to find out). Upgraded databases get the same from migration 0012.
event.listen(Blob.__table__, "after_create", DDL(BLOB_STORAGE).execute_if(dialect="postgresql"))


class Document(db.Model):
    """An issued document as the plugin saw it, with its current routing status."""
    __tablename__ = "liaison_document"
    __table_args__ = (UniqueConstraint("jurisdiction_id", "host_id"),
                      Index("ix_liaison_document_status", "jurisdiction_id", "status", "id"),
                      Index("ix_liaison_document_unit", "unit_id", "id"),
                      Index("ix_liaison_document_issued", "jurisdiction_id", "issued_on"),
                      Index("ix_liaison_document_jurisdiction", "jurisdiction_id", "id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("liaison_jurisdiction.id", ondelete="CASCADE"))
    host_id: Mapped[str] = mapped_column(String(128))
    issuer: Mapped[str] = mapped_column(String(256))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("liaison_unit.id", ondelete="SET NULL"))
    title: Mapped[str | None] = mapped_column(String(512))
    doc_number: Mapped[str | None] = mapped_column(String(128))
    doc_type: Mapped[str | None] = mapped_column(String(16))
    secrecy: Mapped[str | None] = mapped_column(String(16))
    issued_on: Mapped[dt.date | None] = mapped_column(Date)
    url: Mapped[str | None] = mapped_column(String(1024))
    file_sha256: Mapped[str | None] = mapped_column(ForeignKey("liaison_blob.sha256"))
    # Everything read and given (recipients, 附注, flags, attachments, disagreements).
    meta: Mapped[dict] = mapped_column(JSON, default=dict)
    body: Mapped[str | None] = mapped_column(Text)
    # routed | not_qualified | held | unmatched | offline (a classified one handed over through 机要) | error
    status: Mapped[str] = mapped_column(String(16))
    hold_reason: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    unit: Mapped[Unit | None] = relationship()


class Decision(db.Model):
    """One routing decision with every reason; the latest per document is current."""
    __tablename__ = "liaison_decision"
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("liaison_document.id", ondelete="CASCADE"), index=True)
    trigger: Mapped[str] = mapped_column(String(32))  # issued | remapped | backfill | reissued
    qualified: Mapped[bool] = mapped_column(Boolean)
    held: Mapped[bool] = mapped_column(Boolean)
    hold_reason: Mapped[str | None] = mapped_column(Text)
    committees: Mapped[list] = mapped_column(JSON, default=list)
    consultation_committees: Mapped[list] = mapped_column(JSON, default=list)
    units: Mapped[list] = mapped_column(JSON, default=list)  # reverse flow: a committee's report to units
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    rules_version: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    document: Mapped[Document] = relationship()


FAILED_COPY = "status = 'pending' AND last_error IS NOT NULL"   # a failed delivery: still pending, with an error


class Copy(db.Model):
    """One copy (抄送) of a document to a committee (or, reverse flow, a unit): exactly one per pair and kind.

    ``kind`` is ``copy`` (the issued document) or ``consultation`` (the 征求意见稿 offered before 签发)."""
    __tablename__ = "liaison_copy"
    # NULLs are distinct in both SQLite and PostgreSQL, so each constraint binds its own recipient.
    __table_args__ = (UniqueConstraint("document_id", "committee_id", "kind", name="uq_liaison_copy_committee_kind"),
                      UniqueConstraint("document_id", "unit_id", "kind", name="uq_liaison_copy_unit_kind"),
                      Index("ix_liaison_copy_due", "status", "next_attempt_at"),
                      Index("ix_liaison_copy_committee", "committee_id", "id"),
                      Index("ix_liaison_copy_created", "created_at"),
                      # a committee's unread inbox: its count need not read every copy the committee has had
                      Index("ix_liaison_copy_unread", "committee_id", "id", postgresql_where=text("read_at IS NULL"),
                            sqlite_where=text("read_at IS NULL")),
                      # a county's failed copies, found by their recipients (web.queries.copies(failed=True))
                      *(Index(f"ix_liaison_copy_failed_{who}", f"{who}_id", "id", postgresql_where=text(FAILED_COPY),
                              sqlite_where=text(FAILED_COPY)) for who in ("committee", "unit")))
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("liaison_document.id", ondelete="CASCADE"))
    committee_id: Mapped[int | None] = mapped_column(ForeignKey("liaison_committee.id", ondelete="CASCADE"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("liaison_unit.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | delivered | dead
    kind: Mapped[str] = mapped_column(String(16), default="copy", server_default="copy")
    snapshot: Mapped[dict] = mapped_column(JSON)
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    lease_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    ack: Mapped[str | None] = mapped_column(String(256))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    read_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # Retries give up DELIVERY_GIVE_UP_SECONDS after this (a redelivery restarts it; None: created_at).
    retry_since: Mapped[dt.datetime | None] = mapped_column(DateTime)
    dead_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    document: Mapped[Document] = relationship()
    committee: Mapped[Committee | None] = relationship()
    unit: Mapped[Unit | None] = relationship()

    @property
    def recipient(self) -> str:
        return self.committee.name if self.committee_id else self.unit.name


class Consultation(db.Model):
    """A consultation (征求意见) with a committee on a major matter, with its due date.

    ``stage`` is ``before`` (opened on the 征求意见稿, before 签发) or ``after`` (opened when the document was
    issued without one: 未经事前协商)."""
    __tablename__ = "liaison_consultation"
    __table_args__ = (UniqueConstraint("document_id", "committee_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("liaison_document.id", ondelete="CASCADE"))
    committee_id: Mapped[int] = mapped_column(ForeignKey("liaison_committee.id", ondelete="CASCADE"))
    due_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | answered
    opinion: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    stage: Mapped[str] = mapped_column(String(8), default="after", server_default="after")  # before | after
    position: Mapped[str | None] = mapped_column(String(8))   # 同意 | 修改意见 | 不同意
    draft_sha256: Mapped[str | None] = mapped_column(ForeignKey("liaison_blob.sha256"))
    draft_name: Mapped[str | None] = mapped_column(String(256))
    attachment_sha256: Mapped[str | None] = mapped_column(ForeignKey("liaison_blob.sha256"))
    attachment_name: Mapped[str | None] = mapped_column(String(256))
    document: Mapped[Document] = relationship()
    committee: Mapped[Committee] = relationship()


class Submission(db.Model):
    """A committee's submission to a unit (主办), with its reply task: deadline, state, answers and ratings."""
    __tablename__ = "liaison_submission"
    __table_args__ = (UniqueConstraint("jurisdiction_id", "host_id"),
                      Index("ix_liaison_submission_due", "status", "due_on"),
                      Index("ix_liaison_submission_jurisdiction", "jurisdiction_id", "id"),
                      Index("ix_liaison_submission_open", "jurisdiction_id", "status", "due_on"),
                      Index("ix_liaison_submission_received", "jurisdiction_id", "received_on"))
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("liaison_jurisdiction.id", ondelete="CASCADE"))
    host_id: Mapped[str] = mapped_column(String(128))
    committee_id: Mapped[int] = mapped_column(ForeignKey("liaison_committee.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("liaison_unit.id"))
    unit_name: Mapped[str] = mapped_column(String(256))
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(512))
    number: Mapped[str | None] = mapped_column(String(128))
    received_on: Mapped[dt.date] = mapped_column(Date)
    due_on: Mapped[dt.date] = mapped_column(Date)  # the current deadline (extensions included)
    # open while the deadline runs (received, drafting, reopened); replied once sent (sent, rated)
    status: Mapped[str] = mapped_column(String(16), default="open")
    state: Mapped[str] = mapped_column(String(16), default="received")  # see replies.tasks.STATES
    original_due_on: Mapped[dt.date | None] = mapped_column(Date)  # this round's deadline before extensions
    round: Mapped[int] = mapped_column(Integer, default=1)  # 2 after a 不满意 rating reopened it, …
    body: Mapped[str | None] = mapped_column(Text)  # the submission's text, as the host or the clerk gave it
    committee: Mapped[Committee] = relationship()
    unit: Mapped[Unit | None] = relationship()


class Cohandler(db.Model):
    """A co-handling unit (会办) of a submission: it sends its opinion to the main unit by its own deadline."""
    __tablename__ = "liaison_cohandler"
    __table_args__ = (UniqueConstraint("submission_id", "unit_name"),
                      Index("ix_liaison_cohandler_due", "status", "due_on"))
    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("liaison_submission.id", ondelete="CASCADE"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("liaison_unit.id"))
    unit_name: Mapped[str] = mapped_column(String(256))
    due_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | answered
    opinion: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    answered_by: Mapped[str | None] = mapped_column(String(128))
    submission: Mapped[Submission] = relationship()


class Reply(db.Model):
    """One answer (复函) to a submission, one per round, with the committee's rating of it."""
    __tablename__ = "liaison_reply"
    __table_args__ = (UniqueConstraint("submission_id", "round"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("liaison_submission.id", ondelete="CASCADE"))
    round: Mapped[int] = mapped_column(Integer)
    doc_number: Mapped[str] = mapped_column(String(128))
    sent_on: Mapped[dt.date] = mapped_column(Date)
    due_on: Mapped[dt.date] = mapped_column(Date)  # the round's deadline (extensions included) when sent
    file_sha256: Mapped[str | None] = mapped_column(ForeignKey("liaison_blob.sha256"))
    file_name: Mapped[str | None] = mapped_column(String(256))
    sent_by: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    rating: Mapped[str | None] = mapped_column(String(8))  # 满意 | 基本满意 | 不满意
    rating_comment: Mapped[str | None] = mapped_column(Text)
    rated_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    rated_by: Mapped[str | None] = mapped_column(String(128))


class Extension(db.Model):
    """A reply deadline moved: why, by whom, when, and from which date to which."""
    __tablename__ = "liaison_extension"
    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("liaison_submission.id", ondelete="CASCADE"),
                                               index=True)
    round: Mapped[int] = mapped_column(Integer)
    old_due_on: Mapped[dt.date] = mapped_column(Date)
    new_due_on: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    by: Mapped[str] = mapped_column(String(128))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class ReminderSent(db.Model):
    """The reminder ledger: one row per reminder ever sent; the unique key makes each one go out once."""
    __tablename__ = "liaison_reminder"
    __table_args__ = (UniqueConstraint("jurisdiction_id", "kind", "subject", "recipient_key", "offset",
                                       name="uq_liaison_reminder_once"),
                      Index("ix_liaison_reminder_offset", "jurisdiction_id", "kind", "offset"))
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("liaison_jurisdiction.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(256))
    recipient_key: Mapped[str] = mapped_column(String(300))
    offset: Mapped[str] = mapped_column(String(64))
    recipient: Mapped[dict] = mapped_column(JSON)
    title: Mapped[str] = mapped_column(String(512))
    sent_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    notified_at: Mapped[dt.datetime | None] = mapped_column(DateTime)  # None: claimed, the notify call not done


class Message(db.Model):
    """A notification or reminder as its recipient reads it on the panel's 消息 page: the unit or committee
    it was addressed to, in its jurisdiction (what the host was told, kept for the clerks too)."""
    __tablename__ = "liaison_message"
    __table_args__ = (Index("ix_liaison_message_unit", "jurisdiction_id", "unit_id", "id"),
                      Index("ix_liaison_message_committee", "jurisdiction_id", "committee_id", "id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("liaison_jurisdiction.id", ondelete="CASCADE"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("liaison_unit.id", ondelete="SET NULL"))
    committee_id: Mapped[int | None] = mapped_column(ForeignKey("liaison_committee.id", ondelete="SET NULL"))
    recipient: Mapped[dict] = mapped_column(JSON)
    kind: Mapped[str] = mapped_column(String(16))  # notice | reminder
    subject: Mapped[str] = mapped_column(String(512))
    body: Mapped[str] = mapped_column(Text)
    about: Mapped[str | None] = mapped_column(String(256))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Meeting(db.Model):
    """A meeting: a committee's liaison meeting (with its record), a unit's county-wide meeting, a committee's own."""
    __tablename__ = "liaison_meeting"
    __table_args__ = (UniqueConstraint("jurisdiction_id", "host_id"),
                      Index("ix_liaison_meeting_held", "jurisdiction_id", "kind", "held_on"))
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("liaison_jurisdiction.id", ondelete="CASCADE"))
    host_id: Mapped[str] = mapped_column(String(128))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("liaison_unit.id"))
    committee_id: Mapped[int | None] = mapped_column(ForeignKey("liaison_committee.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))  # liaison | work | committee
    title: Mapped[str] = mapped_column(String(512))
    held_on: Mapped[dt.date] = mapped_column(Date)
    invitees: Mapped[list] = mapped_column(JSON, default=list)  # committee names (meeting_scheduled's "invite")
    place: Mapped[str | None] = mapped_column(String(256))
    chair: Mapped[str | None] = mapped_column(String(256))
    topics: Mapped[list] = mapped_column(JSON, default=list)      # 交换意见的议题
    decisions: Mapped[list] = mapped_column(JSON, default=list)   # 议定事项
    recorded_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # The signed minutes as uploaded: the file is kept once by its SHA-256.
    minutes_sha256: Mapped[str | None] = mapped_column(ForeignKey("liaison_blob.sha256"))
    minutes_name: Mapped[str | None] = mapped_column(String(256))
    minutes_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # Optimistic locking: a panel form carries the version it was loaded at (versions.py).
    version: Mapped[int] = mapped_column(Integer, default=1)
    committee: Mapped[Committee | None] = relationship()
    people: Mapped[list["MeetingPerson"]] = relationship(cascade="all, delete-orphan", order_by="MeetingPerson.id")


class MeetingPerson(db.Model):
    """Someone at (or excused from) a meeting: an attendee, an absentee with a reason, or an observer."""
    __tablename__ = "liaison_meeting_person"
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("liaison_meeting.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))  # attendee | absent | observer
    name: Mapped[str] = mapped_column(String(64))
    post: Mapped[str | None] = mapped_column(String(128))
    organisation: Mapped[str | None] = mapped_column(String(256))  # the unit or committee shown in the minutes
    leader_id: Mapped[int | None] = mapped_column(ForeignKey("liaison_leader.id", ondelete="SET NULL"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("liaison_committee_member.id", ondelete="SET NULL"))
    reason: Mapped[str | None] = mapped_column(String(256))


class CommitteeMember(db.Model):
    """A member of a committee (主任, 副主任 and 委员 are its leaders and members); ``unit``: where the member works."""
    __tablename__ = "liaison_committee_member"
    __table_args__ = (UniqueConstraint("committee_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("liaison_committee.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64))
    post: Mapped[str] = mapped_column(String(128))
    leader: Mapped[bool] = mapped_column(Boolean, default=False)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("liaison_unit.id", ondelete="SET NULL"))
    committee: Mapped[Committee] = relationship()


class LiaisonLeader(db.Model):
    """A unit's liaison leader (分管领导, 五(二)); a change ends the old row (``until``), so history stays."""
    __tablename__ = "liaison_leader"
    __table_args__ = (Index("ix_liaison_leader_unit", "unit_id", "until"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("liaison_unit.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64))
    post: Mapped[str] = mapped_column(String(128))
    phone: Mapped[str] = mapped_column(String(64))
    since: Mapped[dt.date] = mapped_column(Date)
    until: Mapped[dt.date | None] = mapped_column(Date)
    unit: Mapped[Unit] = relationship()


class AgreedTopic(db.Model):
    """A consultation or research topic agreed at a liaison meeting, tracked planned -> in_progress -> done."""
    __tablename__ = "liaison_topic"
    __table_args__ = (Index("ix_liaison_topic_year", "jurisdiction_id", "year"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("liaison_jurisdiction.id", ondelete="CASCADE"))
    meeting_id: Mapped[int] = mapped_column(ForeignKey("liaison_meeting.id", ondelete="CASCADE"))
    committee_id: Mapped[int] = mapped_column(ForeignKey("liaison_committee.id", ondelete="CASCADE"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("liaison_unit.id", ondelete="SET NULL"))
    year: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))   # consultation | research
    title: Mapped[str] = mapped_column(String(512))
    state: Mapped[str] = mapped_column(String(16), default="planned")  # planned | in_progress | done
    planned_on: Mapped[dt.date] = mapped_column(Date)
    started_on: Mapped[dt.date | None] = mapped_column(Date)
    done_on: Mapped[dt.date | None] = mapped_column(Date)
    # What came of it: the consultation opened on it, or the committee's report (a submission).
    consultation_id: Mapped[int | None] = mapped_column(ForeignKey("liaison_consultation.id", ondelete="SET NULL"))
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("liaison_submission.id", ondelete="SET NULL"))
    committee: Mapped[Committee] = relationship()
    unit: Mapped[Unit | None] = relationship()


class Invitation(db.Model):
    """Someone proposed for a meeting (三(一)(三)); the unit confirms or declines the proposal."""
    __tablename__ = "liaison_invitation"
    __table_args__ = (UniqueConstraint("meeting_id", "kind", "name", "organisation"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("liaison_meeting.id", ondelete="CASCADE"), index=True)
    # committee_leader | cppcc_member (invited by a unit) | unit_leader (invited by a committee)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(64))
    post: Mapped[str | None] = mapped_column(String(128))
    organisation: Mapped[str] = mapped_column(String(256))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("liaison_unit.id", ondelete="SET NULL"))  # who answers
    committee_id: Mapped[int | None] = mapped_column(ForeignKey("liaison_committee.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default="proposed")  # proposed | confirmed | declined
    answered_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    meeting: Mapped[Meeting] = relationship()


class EventError(db.Model):
    """Something that went wrong in an event or a delivery: recorded, visible, never raised to the host."""
    __tablename__ = "liaison_event_error"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    event: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str | None] = mapped_column(String(256))
    code: Mapped[str] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text)
    detail: Mapped[Any] = mapped_column(JSON, default=dict)


# ------------------------------------------------------------------------- hosts over HTTP


class HttpHost(db.Model):
    """An OA system connected over HTTP: its jurisdiction, callback URL and allow-listed file origins."""
    __tablename__ = "liaison_http_host"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("liaison_jurisdiction.id", ondelete="CASCADE"))
    callback_url: Mapped[str | None] = mapped_column(String(1024))
    allow_origins: Mapped[list] = mapped_column(JSON, default=list)
    # Hold its documents that come without a file (None: the REQUIRE_FILE setting decides).
    require_file: Mapped[bool | None] = mapped_column(Boolean)
    # Subscribed to liaison.decision callbacks: why each of its documents was (not) copied.
    decisions: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Optimistic locking: a panel form carries the version it was loaded at (versions.py).
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    jurisdiction: Mapped[Jurisdiction] = relationship()
    secrets: Mapped[list["HostSecret"]] = relationship(back_populates="host", cascade="all, delete-orphan",
                                                       order_by="HostSecret.id")


class HostSecret(db.Model):
    """A host's signing secret, sealed (encrypted) at rest; an old one keeps working until ``expires_at``."""
    __tablename__ = "liaison_http_host_secret"
    id: Mapped[int] = mapped_column(primary_key=True)
    host_id: Mapped[int] = mapped_column(ForeignKey("liaison_http_host.id", ondelete="CASCADE"), index=True)
    sealed: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    host: Mapped[HttpHost] = relationship(back_populates="secrets")


class InboxEvent(db.Model):
    """An event received over HTTP (or from `oa-liaison event`), recorded before it is processed."""
    __tablename__ = "liaison_http_inbox"
    # sender is the host's name (or "(cli)"): ids are unique per sender, so a replay finds its row.
    __table_args__ = (UniqueConstraint("sender", "webhook_id"), UniqueConstraint("sender", "source", "event_id"),
                      Index("ix_liaison_http_inbox_due", "status", "next_attempt_at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    sender: Mapped[str] = mapped_column(String(64))
    webhook_id: Mapped[str | None] = mapped_column(String(256))
    source: Mapped[str] = mapped_column(String(512))
    event_id: Mapped[str] = mapped_column(String(256))
    type: Mapped[str] = mapped_column(String(64))
    jurisdiction: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)  # the CloudEvent as received (its file dropped once processed)
    body_sha256: Mapped[str | None] = mapped_column(String(64))   # of the body as received: replays must match it
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | done
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    lease_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    result: Mapped[dict | None] = mapped_column(JSON)
    last_error: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    processed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


for _table in (Document.__table__, InboxEvent.__table__):
    event.listen(_table, "after_create", _compress_lz4)


class Notification(db.Model):
    """A notification for a host's callback, delivered like a copy: pending -> delivered, with retries."""
    __tablename__ = "liaison_http_notification"
    __table_args__ = (Index("ix_liaison_http_notification_due", "status", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    host_id: Mapped[int] = mapped_column(ForeignKey("liaison_http_host.id", ondelete="CASCADE"))
    payload: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | delivered | dead
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    lease_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    retry_since: Mapped[dt.datetime | None] = mapped_column(DateTime)   # as Copy.retry_since
    dead_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    host: Mapped[HttpHost] = relationship()


class HttpCall(db.Model):
    """One call to a host's callback URL (copy, notification, ping, test): the host page's delivery log."""
    __tablename__ = "liaison_http_call"
    __table_args__ = (Index("ix_liaison_http_call_host", "host_id", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    host_id: Mapped[int] = mapped_column(ForeignKey("liaison_http_host.id", ondelete="CASCADE"))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    type: Mapped[str] = mapped_column(String(64))          # the CloudEvent's type: liaison.copy, liaison.ping …
    msg_id: Mapped[str] = mapped_column(String(256))       # its webhook-id
    status: Mapped[int | None] = mapped_column(Integer)    # the HTTP status; None: no answer
    ok: Mapped[bool] = mapped_column(Boolean, default=False)
    error: Mapped[str | None] = mapped_column(String(500))
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)


# ------------------------------------------------------------------------- the installation


class Installation(db.Model):
    """When this database was installed (first created): a fresh install is not greeted with reminders."""
    __tablename__ = "liaison_installation"
    id: Mapped[int] = mapped_column(primary_key=True)
    installed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class WorkerSeen(db.Model):
    """A worker's heartbeat: `serve` warns when none has been seen lately (nothing would be retried)."""
    __tablename__ = "liaison_worker"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)   # host:pid
    started_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    seen_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)


class TableVersion(db.Model):
    """A saved whole counterpart table, one per table version, so an import can be rolled back."""
    __tablename__ = "liaison_table_version"
    __table_args__ = (UniqueConstraint("jurisdiction_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("liaison_jurisdiction.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(String(256))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
