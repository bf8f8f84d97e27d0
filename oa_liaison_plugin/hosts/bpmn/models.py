"""The BPMN host's own tables (prefixed bpmnhost_): process instances, files, messages, document numbers."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, DateTime, Integer, JSON, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ...models import db, utcnow


class ProcessInstance(db.Model):
    """One running or finished process, its engine state serialised between steps (steps happen days apart)."""
    __tablename__ = "bpmnhost_instance"
    id: Mapped[int] = mapped_column(primary_key=True)
    process: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(128), unique=True)   # e.g. the copy id of an inbox item
    state: Mapped[str] = mapped_column(Text)
    completed: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class StoredFile(db.Model):
    """A drafted document's .docx, kept out of the engine state (which is JSON)."""
    __tablename__ = "bpmnhost_file"
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_key: Mapped[str] = mapped_column(String(128), unique=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class StoredAttachment(db.Model):
    """A drafted document's attachment (附件), in order, beside its main file."""
    __tablename__ = "bpmnhost_attachment"
    __table_args__ = (UniqueConstraint("instance_key", "position"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_key: Mapped[str] = mapped_column(String(128), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(256))
    data: Mapped[bytes] = mapped_column(LargeBinary)


class Message(db.Model):
    """A notification oa-liaison asked the OA to show someone."""
    __tablename__ = "bpmnhost_message"
    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[dict] = mapped_column(JSON)
    subject: Mapped[str] = mapped_column(String(256))
    body: Mapped[str] = mapped_column(Text)


class NumberCounter(db.Model):
    """The last 发文字号 serial given per 机关代字 and year (编号)."""
    __tablename__ = "bpmnhost_number"
    __table_args__ = (UniqueConstraint("code", "year"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32))
    year: Mapped[int] = mapped_column(Integer)
    last: Mapped[int] = mapped_column(Integer, default=0)
