"""Issued documents: where each went and why, deliveries and read receipts (a unit clerk sees its own)."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select, update

from ...delivery import deliver_due
from ...models import Committee, Consultation, Copy, Counterpart, Decision, Document, Unit, db, utcnow
from ...routing.qualify import Verdict
from ...routing.route import record
from ...units import up
from .. import queries
from ..access import allow, jurisdiction
from ..audit.log import committed
from ..forms import choices
from ..labels import DOCUMENT_STATUS, local_today
from ..listing import COPY_COLUMNS, DOCUMENT_COLUMNS, committee_names, int_arg, unit_names
from ..paging import keyset
from .forms import ManualCopyForm, NoCopyForm

bp = Blueprint("documents", __name__, url_prefix="/documents")


@bp.route("")
@allow("admin", "unit", "auditor")
def index():
    """Documents newest first, each with its copies and whether they were read."""
    q = queries.documents().with_only_columns(*DOCUMENT_COLUMNS)
    status = request.args.get("status", "")
    if status in DOCUMENT_STATUS:
        q = q.where(Document.status == status)
    unit = int_arg("unit") if current_user.role != "unit" else None
    if unit:
        q = q.where(Document.unit_id == unit)
    page = keyset(db.session, q, Document.id)
    copies: dict[int, list] = {}
    if page.rows:
        ids = [d.id for d in page.rows]
        for c in db.session.execute(select(*COPY_COLUMNS).where(Copy.document_id.in_(ids)).order_by(Copy.id)):
            copies.setdefault(c.document_id, []).append(c)
    return render_template("oa_liaison/documents/index.html", page=page, copies=copies, status=status,
                           unit=unit, statuses=DOCUMENT_STATUS, committees=committee_names(),
                           units=unit_names())


@bp.route("/<int:document_id>")
@allow("admin", "unit", "auditor")
def detail(document_id: int):
    """One document: its decisions with every reason, its copies and consultations."""
    doc = queries.one(queries.documents(), Document, document_id)
    return _detail(doc)


def _committee_choices() -> list:
    rows = db.session.execute(select(Committee.name).where(Committee.jurisdiction_id == jurisdiction().id)
                              .order_by(Committee.position, Committee.id)).scalars().all()
    return choices((n, n) for n in rows)


def counterpart_committee(doc: Document) -> str | None:
    """The committee the issuing unit (or the nearest parent unit) liaises with."""
    for unit_id in up(doc.unit_id, lambda i: db.session.scalar(select(Unit.parent_id).where(Unit.id == i))):
        name = db.session.scalar(select(Committee.name)
                                 .join(Counterpart, Counterpart.committee_id == Committee.id)
                                 .where(Counterpart.unit_id == unit_id))
        if name:
            return name
    return None


def _decide_forms(doc: Document, copy_form=None, skip_form=None):
    if doc.status != "held" or current_user.role != "admin":
        return None, None
    if copy_form is None:
        copy_form = ManualCopyForm(formdata=None)
        default = counterpart_committee(doc)
        copy_form.committees.data = [default] if default else []
    copy_form.committees.choices = _committee_choices()
    return copy_form, skip_form or NoCopyForm(formdata=None)


def _detail(doc: Document, copy_form=None, skip_form=None, code: int = 200):
    copy_form, skip_form = _decide_forms(doc, copy_form, skip_form)
    decisions = db.session.scalars(select(Decision).where(Decision.document_id == doc.id)
                                   .order_by(Decision.id.desc())).all()
    copies = db.session.execute(select(*COPY_COLUMNS).where(Copy.document_id == doc.id)
                                .order_by(Copy.id)).all()
    consultations = db.session.scalars(select(Consultation).where(Consultation.document_id == doc.id)
                                       .order_by(Consultation.id)).all()
    return render_template("oa_liaison/documents/detail.html", doc=doc, decisions=decisions, copies=copies,
                           consultations=consultations, committees=committee_names(), units=unit_names(),
                           today=local_today(), copy_form=copy_form, skip_form=skip_form), code


class NotHeld(Exception):
    """The document was decided by someone else between the check and the update."""


def _held_or_back(document_id: int):
    doc = queries.one(queries.documents(), Document, document_id)
    if doc.status != "held":
        flash("这份文件已不在“暂存待定”状态，无须再决定。", "info")
        return doc, redirect(url_for(".detail", document_id=doc.id))
    return doc, None


def _who() -> str:
    return f"管理员 {current_user.username}"


def _set_status(doc: Document, status: str) -> None:
    done = db.session.execute(update(Document).where(Document.id == doc.id, Document.status == "held").values(
        status=status, hold_reason=None, decided_at=utcnow()))
    if done.rowcount != 1:
        raise NotHeld()


@bp.route("/<int:document_id>/manual-copy", methods=["POST"])
@allow("admin")
def manual_copy(document_id: int):
    """人工分送: an administrator decides to copy a held document to the chosen committees, with a reason.

    This is the only way a classified or restricted document reaches a committee.
    """
    doc, back = _held_or_back(document_id)
    if back:
        return back
    form = ManualCopyForm()
    form.committees.choices = _committee_choices()
    if not form.validate_on_submit():
        return _detail(doc, copy_form=form, code=400)
    liaison, jur = current_app.extensions["oa_liaison"], jurisdiction()
    names, reason = list(dict.fromkeys(form.committees.data)), form.reason.data
    text = f"{_who()} 人工决定分送{'、'.join(names)}：{reason}"
    verdict = Verdict(status="routed", qualified=True, committees=names, reasons=[
        {"code": "manual", "text": text, "user": current_user.username, "reason": reason},
        *([{"code": "manual_hold", "text": f"原暂存原因：{doc.hold_reason}"}] if doc.hold_reason else [])])
    before = {"status": doc.status, "hold_reason": doc.hold_reason}
    values = {c.name: getattr(doc, c.name) for c in Document.__table__.columns}

    def copy_now():
        _set_status(doc, "routed")
        record(liaison, jur, doc.id, values, verdict, "manual")
    try:
        committed("document.manual_copy", f"document-{doc.id}", before,
                  {"status": "routed", "committees": names, "reason": reason}, copy_now)
    except NotHeld:
        flash("这份文件刚刚已由他人决定，未重复处理。", "info")
        return redirect(url_for(".detail", document_id=doc.id))
    if liaison.config["DELIVER_INLINE"]:  # as on the automatic path; otherwise the delivery worker sends them
        deliver_due(liaison, limit=len(names) * 2, document_ids=[doc.id])
    flash(f"已人工决定分送{'、'.join(names)}，抄送已交付投递。", "success")
    return redirect(url_for(".detail", document_id=doc.id))


@bp.route("/<int:document_id>/no-copy", methods=["POST"])
@allow("admin")
def no_copy(document_id: int):
    """确认不分送: an administrator confirms a held document goes to no committee, with a reason."""
    doc, back = _held_or_back(document_id)
    if back:
        return back
    form = NoCopyForm()
    if not form.validate_on_submit():
        return _detail(doc, skip_form=form, code=400)
    reason, jur = form.reason.data, jurisdiction()
    text = f"{_who()} 确认不分送：{reason}"
    before = {"status": doc.status, "hold_reason": doc.hold_reason}

    def skip():
        _set_status(doc, "not_qualified")
        db.session.add(Decision(document_id=doc.id, trigger="manual", qualified=False, held=False,
                                hold_reason=None, committees=[], consultation_committees=[], units=[],
                                reasons=[{"code": "manual", "text": text, "user": current_user.username,
                                          "reason": reason},
                                         *([{"code": "manual_hold", "text": f"原暂存原因：{before['hold_reason']}"}]
                                           if before["hold_reason"] else [])],
                                rules_version=jur.rules_version, created_at=utcnow()))
    try:
        committed("document.no_copy", f"document-{doc.id}", before,
                  {"status": "not_qualified", "reason": reason}, skip)
    except NotHeld:
        flash("这份文件刚刚已由他人决定，未重复处理。", "info")
        return redirect(url_for(".detail", document_id=doc.id))
    flash("已确认不分送，理由已记入判断记录。", "success")
    return redirect(url_for(".detail", document_id=doc.id))
