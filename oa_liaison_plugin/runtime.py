"""The running plugin (Liaison): app, database and plugin manager, with per-version caches."""
from __future__ import annotations

import contextlib
import threading

from flask import Flask, has_app_context, current_app
from sqlalchemy import select

from .models import Jurisdiction, db


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

    def jurisdiction_row(self, code: str | None = None):
        """The jurisdiction's id, code, name, prefixes and versions as a plain row (the hot path's cheap read)."""
        code = code or self.config["JURISDICTION"]
        row = db.session.execute(select(Jurisdiction.id, Jurisdiction.code, Jurisdiction.name, Jurisdiction.prefixes,
                                        Jurisdiction.table_version, Jurisdiction.rules_version)
                                 .where(Jurisdiction.code == code)).first()
        if row is None:
            raise LookupError(f"未知行政区：{code}")
        return row

    def resolver(self, code=None):
        """The name resolver of a jurisdiction, rebuilt when its table version changes."""
        from .routing.resolve import Resolver
        jur = self.jurisdiction_row(code) if code is None or isinstance(code, str) else code
        cached = self._resolvers.get(jur.code)
        if cached is None or cached.version != jur.table_version:
            with self._lock:
                cached = Resolver(jur)
                self._resolvers[jur.code] = cached
        return cached

    def ruleset(self, code=None):
        """The compiled content rules of a jurisdiction, recompiled when a rule changes."""
        from .routing import ruleset
        jur = self.jurisdiction_row(code) if code is None or isinstance(code, str) else code
        cached = self._rulesets.get(jur.code)
        if cached is None or cached[0] != jur.rules_version:
            with self._lock:
                cached = (jur.rules_version, ruleset.compile_for(jur))
                self._rulesets[jur.code] = cached
        return cached[1]

    def ensure_rules(self) -> None:
        """Give every jurisdiction without rules the shipped default rule set."""
        from .routing import ruleset
        ruleset.ensure_defaults()

    # Host-side conveniences: what a host would write itself around pm.hook.*.
    def _first(self, results):
        return next((r for r in results if r is not None), None)

    def document_issued(self, document) -> dict | None:
        return self._first(self.pm.hook.document_issued(liaison=self, document=document))

    def submission_received(self, submission) -> dict | None:
        return self._first(self.pm.hook.submission_received(liaison=self, submission=submission))

    def meeting_scheduled(self, meeting) -> dict | None:
        return self._first(self.pm.hook.meeting_scheduled(liaison=self, meeting=meeting))

    def check_before_issue(self, document) -> list[str]:
        return [m for msgs in self.pm.hook.check_before_issue(liaison=self, document=document) for m in msgs]


def get_liaison(app: Flask | None = None) -> Liaison:
    return (app or current_app).extensions["oa_liaison"]
