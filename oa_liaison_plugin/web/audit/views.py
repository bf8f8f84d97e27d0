"""The audit log: who changed what, before and after. Read-only: there is no edit or delete route."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user
from sqlalchemy import select

from ...models import db
from ..access import allow
from ..labels import AUDIT_ACTION
from ..models import AuditEntry
from ..paging import keyset

bp = Blueprint("audit", __name__, url_prefix="/audit")
LIST_COLUMNS = (AuditEntry.id, AuditEntry.at, AuditEntry.username, AuditEntry.action, AuditEntry.target,
                AuditEntry.remote_addr)


def _entries():
    return select(AuditEntry).where(AuditEntry.jurisdiction_id == current_user.jurisdiction_id)


@bp.route("")
@allow("admin", "auditor")
def index():
    """Entries newest first; filter by action or user."""
    q = _entries().with_only_columns(*LIST_COLUMNS)
    action = request.args.get("action", "")
    if action in AUDIT_ACTION:
        q = q.where(AuditEntry.action == action)
    username = request.args.get("user", "").strip()[:64]
    if username:
        q = q.where(AuditEntry.username == username)
    page = keyset(db.session, q, AuditEntry.id)
    return render_template("oa_liaison/audit/index.html", page=page, action=action, username=username,
                           actions=AUDIT_ACTION)


@bp.route("/<int:entry_id>")
@allow("admin", "auditor")
def detail(entry_id: int):
    """One entry with the full before and after."""
    entry = db.session.scalar(_entries().where(AuditEntry.id == entry_id))
    if entry is None:
        abort(404)
    return render_template("oa_liaison/audit/detail.html", entry=entry)
