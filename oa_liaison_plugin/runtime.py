"""The running plugin (Liaison): app, database and plugin manager, with per-version caches."""
from __future__ import annotations

import contextlib
import threading

from flask import Flask, has_app_context, current_app
from sqlalchemy import and_, bindparam, func, select

from .engine import outside_transaction, read_ahead
from .models import Document, Jurisdiction, db

_J, _D = Jurisdiction.__table__.c, Document.__table__.c
# Built once: this read starts every issued document's path.
_JURISDICTION_ROW = select(_J.id, _J.code, _J.name, _J.prefixes, _J.table_version, _J.rules_version).where(
    _J.code == bindparam("code"))
# …and with the host's document, if already recorded, in the same round trip.
_JURISDICTION_AND_DOCUMENT = _JURISDICTION_ROW.add_columns(
    _D.id.label("document_id"), _D.status.label("document_status")).select_from(
    Jurisdiction.__table__.outerjoin(Document.__table__, and_(_D.jurisdiction_id == _J.id,
                                                              _D.host_id == bindparam("host_id"))))
# …and, on PostgreSQL, the id a new document will take (nextval), so its rows can all be sent at once.
_JURISDICTION_DOCUMENT_AND_ID = _JURISDICTION_AND_DOCUMENT.add_columns(
    func.nextval(func.pg_get_serial_sequence("liaison_document", "id")).label("new_document_id"))


class Liaison:
    """What every hook receives as ``liaison``: configuration, database access, caches and the hooks."""

    def __init__(self, app: Flask, pm):
        self.app = app
        self.pm = pm
        self.config = app.config
        self._lock = threading.Lock()
        self._resolvers: dict = {}
        self._rulesets: dict = {}

    @contextlib.contextmanager
    def context(self):
        """An application context for this app (reused when one is already active)."""
        if has_app_context() and current_app._get_current_object() is self.app:
            yield
        else:
            with self.app.app_context():
                yield

    def jurisdiction(self, code: str | None = None) -> Jurisdiction:
        code = code or self.config["JURISDICTION"]
        jur = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == code))
        if jur is None:
            raise LookupError(f"未知行政区：{code}")
        return jur

    def jurisdiction_row(self, code: str | None = None, *, host_id: str | None = None, reserve_id: bool = False):
        """The jurisdiction's id, code, name, prefixes and versions as a plain row (the hot path's cheap read).

        With ``host_id``, the row also has ``document_id`` and ``document_status`` of that host document
        (None when it is not recorded yet). With ``reserve_id`` too, on PostgreSQL, ``new_document_id`` is an
        id taken from the documents' sequence for a new document (unused ids are gaps, as after a rollback).
        """
        code = code or self.config["JURISDICTION"]
        conn = db.session.connection()
        if host_id is None:
            row = conn.execute(_JURISDICTION_ROW, {"code": code}).first()
        else:
            reserving = reserve_id and conn.dialect.name == "postgresql"
            with outside_transaction(conn) if reserving else contextlib.nullcontext():
                row = conn.execute(_JURISDICTION_DOCUMENT_AND_ID if reserving else _JURISDICTION_AND_DOCUMENT,
                                   {"code": code, "host_id": host_id}).first()
        if row is None:
            raise LookupError(f"未知行政区：{code}")
        return row

    @contextlib.contextmanager
    def jurisdiction_row_ahead(self, code: str | None, host_id: str):
        """``with liaison.jurisdiction_row_ahead(code, host_id) as ahead:`` … then ``ahead.row``: the row
        ``jurisdiction_row(code, host_id=…, reserve_id=True)`` reads, sent before the block (which must not use
        the database) and answered while it runs; LookupError after the block for an unknown jurisdiction."""
        code = code or self.config["JURISDICTION"]
        conn = db.session.connection()
        statement = _JURISDICTION_DOCUMENT_AND_ID if conn.dialect.name == "postgresql" else _JURISDICTION_AND_DOCUMENT
        with read_ahead(conn, statement, {"code": code, "host_id": host_id}) as ahead:
            yield ahead
        if ahead.row is None:
            raise LookupError(f"未知行政区：{code}")

    def resolver(self, code=None):
        """The name resolver of a jurisdiction, rebuilt when its table version changes."""
        from .decision.resolve import Resolver
        jur = self.jurisdiction_row(code) if code is None or isinstance(code, str) else code
        cached = self._resolvers.get(jur.code)
        if cached is None or cached.version != jur.table_version:
            with self._lock:
                cached = Resolver(jur)
                self._resolvers[jur.code] = cached
        return cached

    def ruleset(self, code=None):
        """The compiled content rules of a jurisdiction, recompiled when a rule changes."""
        from .decision import ruleset
        jur = self.jurisdiction_row(code) if code is None or isinstance(code, str) else code
        cached = self._rulesets.get(jur.code)
        if cached is None or cached[0] != jur.rules_version:
            with self._lock:
                cached = (jur.rules_version, ruleset.compile_for(jur))
                self._rulesets[jur.code] = cached
        return cached[1]

    def ensure_rules(self) -> None:
        """Give every jurisdiction without rules the shipped default rule set."""
        from .decision import ruleset
        ruleset.ensure_defaults()

    def work(self, actor):
        """``with liaison.work(actor) as uow:`` one change, its audit entries and notifications: committed once,
        then the notifications sent (none after a rollback). See :mod:`~oa_liaison_plugin.work`."""
        from .work import work
        return work(self, actor)

    def call(self, name: str, *, record: bool = True, about: str | None = None, **kwargs):
        """Call a hook the one way oa-liaison calls hooks (:func:`~oa_liaison_plugin.plugins.call`).

        With ``record`` each failing implementation is written to the error log at once (for calls made
        outside a decision's transaction; ``about`` names the event's subject there); otherwise the caller
        keeps the failures (``.errors``).
        """
        from .plugins import call
        called = call(self.pm, name, liaison=self, **kwargs)
        if record and called.errors:
            from .delivery import record_error
            with self.context():
                for e in called.errors:
                    record_error(name, "plugin_error", e["text"], subject=about,
                                 detail={"plugin": e["plugin"], "error": e["error"]})
        return called

    # The host's calls. Each returns the built-in implementation's answer: a plugin that also implements
    # the event (a watcher) is called, its result is ignored and its failure recorded.
    def document_issued(self, document) -> dict | None:
        return self._event("document_issued", "decision", document=document)

    def draft_for_consultation(self, document) -> dict | None:
        return self._event("draft_for_consultation", "decision", document=document)

    def consultation_answered(self, answer) -> dict:
        """A committee's answer from a host (``consultation.answered``): recorded through the operation, audited."""
        from .decision.consult import answered
        return answered(self, answer)

    def consultations(self, document_id: str, jurisdiction: str | None = None) -> list[dict]:
        """The consultations on a host's document (its draft, or the issued one): ``{"id", "committee", "due",
        "status", "stage", "position", "opinion", "answered_at"}`` each (a host polling for "all answered")."""
        from .decision.consult import opened
        with self.context():
            jur = self.jurisdiction_row(jurisdiction, host_id=str(document_id))
            return opened(jur.document_id) if jur.document_id is not None else []

    def submission_received(self, submission) -> dict | None:
        return self._event("submission_received", "replies", submission=submission)

    def meeting_scheduled(self, meeting) -> dict | None:
        return self._event("meeting_scheduled", "meetings", meeting=meeting)

    def check_before_issue(self, document) -> list[str]:
        return [m for msgs in self.call("check_before_issue", document=document).values() for m in msgs]

    def draft_context(self, kind: str, context: dict) -> dict:
        """The plugins' additions to a draft's fields, merged in call order (a failing plugin is recorded)."""
        extra: dict = {}
        for part in self.call("draft_context", about=kind, kind=kind, context=dict(context)).values():
            if isinstance(part, dict):
                extra.update(part)
        return extra

    def _event(self, name: str, feature: str, **kwargs):
        """Call an event hook; the answer is the feature's own built-in (``<feature>.hooks``)."""
        subject = next(iter(kwargs.values()))
        subject = str(subject.get("id"))[:256] if isinstance(subject, dict) else None
        return self.call(name, about=subject, **kwargs).of(f"oa_liaison_plugin.{feature}.hooks")
