"""Issued documents: where each went and why, deliveries and read receipts (a unit clerk sees its own)."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ...delivery import deliver_due
from ...models import Committee, Consultation, Copy, Counterpart, Decision, Document, Unit, db
from ...routing.route import NotHeld, decide_manually
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


def _held_or_back(document_id: int):
    doc = queries.one(queries.documents(), Document, document_id)
    if doc.status != "held":
        flash("这份文件已不在“暂存待定”状态，无须再决定。", "info")
        return doc, redirect(url_for(".detail", document_id=doc.id))
    return doc, None


def _decide(doc: Document, names: list[str], reason: str, action: str):
    """Record a person's decision through the one decision path; None when someone else decided first."""
    liaison = current_app.extensions["oa_liaison"]
    before = {"status": doc.status, "hold_reason": doc.hold_reason}
    after = {"status": "routed" if names else "not_qualified", "reason": reason, **({"committees": names} if names else {})}
    try:
        committed(action, f"document-{doc.id}", before, after,
                  lambda: decide_manually(liaison, doc, names, reason=reason, user=current_user.username))
    except NotHeld:
        flash("这份文件刚刚已由他人决定，未重复处理。", "info")
        return None
    return liaison


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
    names = list(dict.fromkeys(form.committees.data))
    liaison = _decide(doc, names, form.reason.data, "document.manual_copy")
    if liaison is None:
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
    if _decide(doc, [], form.reason.data, "document.no_copy") is not None:
        flash("已确认不分送，理由已记入判断记录。", "success")
    return redirect(url_for(".detail", document_id=doc.id))
