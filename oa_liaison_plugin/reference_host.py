"""The REFERENCE HOST OA — a small in-process OA flow for tests and the demo, not the product.

It keeps its own tables (prefixed refhost_), issues documents through the plugin's hooks and
implements the host services (deliver_copy into committee inboxes, notify, fetch_document_file)
the way a real OA system would: idempotently, keyed by the copy id.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, DateTime, JSON, LargeBinary, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from .models import db, utcnow
from .plugins import hookimpl


class HostDocument(db.Model):
    """A document in the reference host's own store."""
    __tablename__ = "refhost_document"
    id: Mapped[int] = mapped_column(primary_key=True)
    issuer: Mapped[str] = mapped_column(String(256))
    meta: Mapped[dict] = mapped_column(JSON, default=dict)
    file: Mapped[bytes | None] = mapped_column(LargeBinary)
    notified: Mapped[bool] = mapped_column(Boolean, default=False)  # the host's outbox flag
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class HostInboxItem(db.Model):
    """A copy that arrived in a committee's (or unit's) inbox in the reference host."""
    __tablename__ = "refhost_inbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    copy_id: Mapped[str] = mapped_column(String(64), unique=True)  # idempotency key
    recipient: Mapped[str] = mapped_column(String(256))
    document_id: Mapped[str] = mapped_column(String(128))
    title: Mapped[str | None] = mapped_column(String(512))
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    received_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class HostMessage(db.Model):
    """A notification the plugin asked the reference host to show someone."""
    __tablename__ = "refhost_message"
    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[dict] = mapped_column(JSON)
    subject: Mapped[str] = mapped_column(String(256))
    body: Mapped[str] = mapped_column(Text)


class ReferenceHost:
    """Drives the plugin as an OA system would; registered as a plugin for the host services."""

    def __init__(self, liaison, *, fail_deliveries: int = 0):
        self.liaison = liaison
        self.fail_deliveries = fail_deliveries  # simulate an unavailable inbox service N times
        with liaison.context():
            db.create_all()
        liaison.pm.register(self, name="reference-host")

    # ------------------------------------------------------------------ the host's flows
    def issue(self, *, issuer: str, file: bytes | None = None, **meta) -> dict:
        """Store a document, ask the pre-issue check, issue it and tell the plugin (outbox style)."""
        with self.liaison.context():
            row = HostDocument(issuer=issuer, meta={k: _jsonable(v) for k, v in meta.items()}, file=file)
            db.session.add(row)
            db.session.commit()
            host_id = f"ref-{row.id}"
        advice = self.liaison.check_before_issue(self._event(host_id, issuer, meta, file))
        summary = self._notify_plugin(host_id, issuer, meta, file)
        return {"host_id": host_id, "advice": advice, **(summary or {})}

    def _event(self, host_id, issuer, meta, file):
        event = {"id": host_id, "issuer": issuer, **{k: v for k, v in meta.items() if v is not None}}
        if file is not None:
            event["file"] = file
        return event

    def _notify_plugin(self, host_id, issuer, meta, file):
        summary = self.liaison.document_issued(self._event(host_id, issuer, meta, file))
        with self.liaison.context():
            db.session.get(HostDocument, int(host_id.split("-")[1])).notified = True
            db.session.commit()
        return summary

    def resend_unnotified(self) -> int:
        """After a crash: tell the plugin about every document whose event was not acknowledged."""
        with self.liaison.context():
            rows = db.session.scalars(select(HostDocument).where(HostDocument.notified.is_(False))).all()
            pending = [(f"ref-{r.id}", r.issuer, dict(r.meta), r.file) for r in rows]
        for host_id, issuer, meta, file in pending:
            self._notify_plugin(host_id, issuer, meta, file)
        return len(pending)

    def inbox(self, recipient: str | None = None) -> list[HostInboxItem]:
        with self.liaison.context():
            q = select(HostInboxItem).order_by(HostInboxItem.id)
            if recipient:
                q = q.where(HostInboxItem.recipient == recipient)
            return db.session.scalars(q).all()

    def messages(self) -> list[HostMessage]:
        with self.liaison.context():
            return db.session.scalars(select(HostMessage).order_by(HostMessage.id)).all()

    # ------------------------------------------------------------------ host services
    @hookimpl
    def deliver_copy(self, liaison, copy):
        if self.fail_deliveries > 0:
            self.fail_deliveries -= 1
            raise ConnectionError("参考主办系统收件服务暂不可用（模拟）")
        with liaison.context():
            item = db.session.scalar(select(HostInboxItem).where(HostInboxItem.copy_id == copy["copy_id"]))
            if item is None:  # idempotent: the same copy offered twice lands once
                item = HostInboxItem(copy_id=copy["copy_id"], recipient=copy["committee"] or copy["unit"],
                                     document_id=copy["host_id"], title=copy["title"],
                                     file_sha256=copy["file_sha256"], reasons=copy["reasons"])
                db.session.add(item)
                db.session.commit()
            return f"inbox-{item.id}"

    @hookimpl
    def notify(self, liaison, recipient, subject, body):
        with liaison.context():
            db.session.add(HostMessage(recipient=recipient, subject=subject, body=body))
            db.session.commit()

    @hookimpl
    def fetch_document_file(self, liaison, document_id):
        if not str(document_id).startswith("ref-"):
            return None
        with liaison.context():
            row = db.session.get(HostDocument, int(str(document_id).split("-")[1]))
            return row.file if row else None


def _jsonable(v):
    return v.isoformat() if isinstance(v, (dt.date, dt.datetime)) else v
