"""The audit log: who changed what, before and after. Read-only: there is no edit or delete route."""
from __future__ import annotations

import re

from flask import Blueprint, abort, render_template, request
from flask_login import current_user
from sqlalchemy import select

from ...models import (AgreedTopic, Committee, Consultation, Copy, Document, Invitation, Meeting, Notification, Rule,
                       Submission, Unit, db)
from ..access import allow, jurisdiction
from ..export import MOST_ROWS, Column, Sheet, local, send_xlsx
from ..labels import AUDIT_ACTION, actor_name, local_today
from ..models import AuditEntry, User
from ..paging import keyset
from .changes import changes

bp = Blueprint("audit", __name__, url_prefix="/audit")
LIST_COLUMNS = (AuditEntry.id, AuditEntry.at, AuditEntry.username, AuditEntry.action, AuditEntry.target,
                AuditEntry.remote_addr)


def _entries():
    return select(AuditEntry).where(AuditEntry.jurisdiction_id == current_user.jurisdiction_id)


def _listed():
    q = _entries().with_only_columns(*LIST_COLUMNS)
    action = request.args.get("action", "")
    if action in AUDIT_ACTION:
        q = q.where(AuditEntry.action == action)
    username = request.args.get("user", "").strip()[:64]
    if username:
        q = q.where(AuditEntry.username == username)
    return q, {"action": action, "username": username}


def _jurisdiction_names() -> dict:
    """Jurisdiction codes in a record, by name."""
    jur = jurisdiction()
    return {"jurisdiction": {jur.code: jur.name}, "code": {jur.code: jur.name}}


def _document_title(document_id: int) -> str:
    title = db.session.scalar(select(Document.title).where(Document.id == document_id))
    return f"《{title}》" if title else "（无标题）"


# An entry's target "<kind>-<id>" names a stored row; people read what the row is (the row gone: its kind alone).
_ROWS = {
    "submission": ("来件", Submission, lambda r: f"来件《{r.title}》"),
    "meeting": ("会议", Meeting, lambda r: f"会议《{r.title}》"),
    "document": ("文件", Document, lambda r: f"文件《{r.title}》" if r.title else "文件（无标题）"),
    "copy": ("抄送", Copy, lambda r: f"抄送{r.recipient}：{_document_title(r.document_id)}"),
    "consultation": ("征求意见", Consultation, lambda r: f"征求意见：{_document_title(r.document_id)}"),
    "topic": ("课题", AgreedTopic, lambda r: f"课题《{r.title}》"),
    "invitation": ("邀请", Invitation, lambda r: f"邀请{r.name}"),
    "unit": ("单位", Unit, lambda r: f"单位“{r.name}”"),
    "committee": ("委员会", Committee, lambda r: r.name),
    "user": ("用户", User, lambda r: f"用户 {r.username}"),
    "notification": ("通知", Notification, lambda r: f"通知：{(r.payload or {}).get('subject') or '（无标题）'}"),
}
_ROW = re.compile(r"^([a-z]+)-([0-9]{1,10})$")


def _row_name(target: str) -> str | None:
    """``submission-3`` → 来件《…》; None for a target that names no row."""
    m = _ROW.match(target)
    if m is None or m.group(1) not in _ROWS:
        return None
    words, model, named = _ROWS[m.group(1)]
    row = db.session.get(model, int(m.group(2))) if int(m.group(2)) <= 2 ** 31 - 1 else None
    return named(row) if row is not None else f"{words}（已删除）"


def target_namer():
    """What an entry names, in people's words: table entries name the jurisdiction by its code, rule entries
    a rule by its id and others a row as ``<kind>-<id>``; people read their names."""
    jur = jurisdiction()
    rules = {r.rule_id: r.data.get("name") for r in db.session.scalars(select(Rule).where(
        Rule.jurisdiction_id == jur.id))}
    known: dict[str, str | None] = {}

    def name(target: str | None, action: str = "") -> str:
        if target == jur.code:
            return jur.name
        if action.startswith("rule."):
            return f"规则“{rules[target]}”" if rules.get(target) else "已删除的规则"
        if target and target not in known:
            known[target] = _row_name(target)
        return (known.get(target) if target else None) or target or ""
    return name


@bp.route("")
@allow("admin", "auditor")
def index():
    """Entries newest first; filter by action or user."""
    q, asked = _listed()
    page = keyset(db.session, q, AuditEntry.id)
    return render_template("oa_liaison/audit/index.html", page=page, actions=AUDIT_ACTION, target_name=target_namer(),
                           **asked)


@bp.route("/export.xlsx")
@allow("admin", "auditor")
def export():
    """The entries as listed (same filters), every page, as an Excel sheet (before and after stay on their page)."""
    q, _ = _listed()
    target_name = target_namer()
    rows = [(local(e.at), actor_name(e.username), AUDIT_ACTION.get(e.action, e.action), target_name(e.target, e.action),
             e.remote_addr or "")
            for e in db.session.execute(q.order_by(AuditEntry.id.desc()).limit(MOST_ROWS))]
    columns = [Column("时间", 17), Column("用户", 14), Column("操作", 22), Column("对象", 30), Column("来源地址", 16)]
    return send_xlsx(f"审计日志（{local_today().isoformat()}）", [Sheet("审计日志", columns, rows)])


@bp.route("/<int:entry_id>")
@allow("admin", "auditor")
def detail(entry_id: int):
    """One entry with the full before and after."""
    entry = db.session.scalar(_entries().where(AuditEntry.id == entry_id))
    if entry is None:
        abort(404)
    target = target_namer()(entry.target, entry.action)
    return render_template("oa_liaison/audit/detail.html", entry=entry, target=target,
                           changes=changes(entry.before, entry.after, _jurisdiction_names()))
