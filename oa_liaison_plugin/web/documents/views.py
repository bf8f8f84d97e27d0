"""Issued documents: where each went and why, deliveries and read receipts (a unit clerk sees its own)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ...models import Committee, Consultation, Copy, Decision, Document, db
from ...operations import decisions
from ...decision.route import Classified, NotHeld, classified
from .. import queries
from ..access import allow, jurisdiction
from ..audit.log import work
from ..forms import choices
from ..export import MOST_ROWS, Column, Sheet, local, send_xlsx
from ..labels import COPY_STATUS, DOCUMENT_STATUS, copy_status, local_time, local_today
from ..listing import COPY_COLUMNS, DOCUMENT_COLUMNS, committee_names, int_arg, unit_names
from ..paging import keyset
from ..search import search_args, searched
from .forms import HandoverForm, ManualCopyForm, NoCopyForm

bp = Blueprint("documents", __name__, url_prefix="/documents")


def _listed():
    """The documents the list shows (scope, filters and search applied), with what the form asked for."""
    q = queries.documents().with_only_columns(*DOCUMENT_COLUMNS)
    status = request.args.get("status", "")
    if status in DOCUMENT_STATUS:
        q = q.where(Document.status == status)
    else:   # the issued documents; drafts are listed when asked for (征求意见稿)
        q = queries.issued(q)
    unit = int_arg("unit") if current_user.role != "unit" else None
    if unit:
        q = q.where(Document.unit_id == unit)
    search = search_args()
    q = searched(q, search, (Document.title, Document.doc_number, Document.issuer), Document.received_at, stamp=True)
    return q, {"status": status, "unit": unit, "search": search}


def _copies_of(ids) -> dict[int, list]:
    copies: dict[int, list] = {}
    if ids:
        for c in db.session.execute(select(*COPY_COLUMNS).where(Copy.document_id.in_(ids)).order_by(Copy.id)):
            copies.setdefault(c.document_id, []).append(c)
    return copies


@bp.route("")
@allow("admin", "unit", "committee", "auditor")
def index():
    """Documents newest first, each with its copies and whether they were read."""
    q, asked = _listed()
    page = keyset(db.session, q, Document.id)
    return render_template("oa_liaison/documents/index.html", page=page, copies=_copies_of([d.id for d in page.rows]),
                           statuses=DOCUMENT_STATUS, committees=committee_names(), units=unit_names(), **asked)


@bp.route("/export.xlsx")
@allow("admin", "unit", "committee", "auditor")
def export():
    """The list as on screen (same scope, filters and search), every page of it, as an Excel sheet."""
    q, _ = _listed()
    rows = db.session.execute(q.order_by(Document.id.desc()).limit(MOST_ROWS)).all()
    copies, committees, units = _copies_of([d.id for d in rows]), committee_names(), unit_names()

    def receipts(d) -> str:
        return "；".join(f"{committees.get(c.committee_id) or units.get(c.unit_id)}："
                        + (f"已读 {local_time(c.read_at)}" if c.read_at else
                           "已送达，未读" if copy_status(c) == "delivered" else COPY_STATUS.get(copy_status(c), ""))
                        for c in copies.get(d.id, []))

    sheet = Sheet("发文与分送", [Column("收到时间", 17), Column("印发日期", 12), Column("文号", 22), Column("标题", 50),
                               Column("发文单位", 22), Column("处理结果", 10), Column("抄送与回执", 50)],
                  [(local(d.received_at), d.issued_on, d.doc_number or "", d.title or "（无标题）",
                    units.get(d.unit_id) or d.issuer or "", DOCUMENT_STATUS.get(d.status, ""), receipts(d))
                   for d in rows])
    return send_xlsx(f"发文与分送（{local_today().isoformat()}）", [sheet])


@bp.route("/<int:document_id>")
@allow("admin", "unit", "committee", "auditor")
def detail(document_id: int):
    """One document: its decisions with every reason, its copies and consultations."""
    doc = queries.one(queries.documents(), Document, document_id)
    return _detail(doc)


def _committee_choices() -> list:
    rows = db.session.execute(select(Committee.name).where(Committee.jurisdiction_id == jurisdiction().id)
                              .order_by(Committee.position, Committee.id)).scalars().all()
    return choices((n, n) for n in rows)


def _decide_forms(doc: Document, copy_form=None, skip_form=None, handover_form=None) -> dict:
    """The forms a held document offers an administrator: for a classified one 不分送 and the offline hand-over
    only (never a copy through this system), for any other 人工分送 (nothing ticked) and 不分送."""
    if doc.status != "held" or current_user.role != "admin":
        return {}
    forms = {"skip_form": skip_form or NoCopyForm(formdata=None)}
    if classified(doc):
        forms["handover_form"] = handover_form or HandoverForm(formdata=None)
        forms["handover_form"].committees.choices = _committee_choices()
    else:
        forms["copy_form"] = copy_form or ManualCopyForm(formdata=None)
        forms["copy_form"].committees.choices = _committee_choices()
    return forms


def _detail(doc: Document, code: int = 200, **forms):
    forms = _decide_forms(doc, **forms)
    decisions = db.session.scalars(select(Decision).where(Decision.document_id == doc.id)
                                   .order_by(Decision.id.desc())).all()
    copies = db.session.execute(select(*COPY_COLUMNS).where(Copy.document_id == doc.id)
                                .order_by(Copy.id)).all()
    consultations = db.session.scalars(select(Consultation).where(Consultation.document_id == doc.id)
                                       .order_by(Consultation.id)).all()
    return render_template("oa_liaison/documents/detail.html", doc=doc, decisions=decisions, copies=copies,
                           consultations=consultations, committees=committee_names(), units=unit_names(),
                           today=local_today(), secrecy=classified(doc), **forms), code


def _held_or_back(document_id: int):
    doc = queries.one(queries.documents(), Document, document_id)
    if doc.status != "held":
        flash("这份文件已不在“暂存待定”状态，无须再决定。", "info")
        return doc, redirect(url_for(".detail", document_id=doc.id))
    return doc, None


def _decide(doc: Document, change) -> bool:
    """Record a person's decision (``change(uow)``) through the one decision path; False when refused or when
    someone else decided first."""
    try:
        with work() as uow:
            change(uow)
    except NotHeld:
        flash("这份文件刚刚已由他人决定，未重复处理。", "info")
        return False
    except Classified as exc:
        flash(str(exc), "error")
        return False
    return True


@bp.route("/<int:document_id>/manual-copy", methods=["POST"])
@allow("admin")
def manual_copy(document_id: int):
    """人工分送: an administrator decides to copy a held document to the chosen committees, with a reason.

    This is the only way a classified or restricted document reaches a committee.
    """
    doc, back = _held_or_back(document_id)
    if back:
        return back
    if classified(doc):   # the form is not offered; a hand-made request is refused all the same
        flash(str(Classified(classified(doc))), "error")
        return redirect(url_for(".detail", document_id=doc.id))
    form = ManualCopyForm()
    form.committees.choices = _committee_choices()
    if not form.validate_on_submit():
        return _detail(doc, copy_form=form, code=400)
    names = list(dict.fromkeys(form.committees.data))
    if form.confirmed.data != "1":   # a server-side confirmation step: works under the panel's CSP
        form.confirmed.data = "1"
        return render_template("oa_liaison/documents/confirm_copy.html", doc=doc, form=form, names=names)
    if not _decide(doc, lambda uow: decisions.decide(uow, doc, names, reason=form.reason.data)):
        return redirect(url_for(".detail", document_id=document_id))
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
    if _decide(doc, lambda uow: decisions.decide(uow, doc, [], reason=form.reason.data)):
        flash("已确认不分送，理由已记入判断记录。", "success")
    return redirect(url_for(".detail", document_id=doc.id))


@bp.route("/<int:document_id>/handover", methods=["POST"])
@allow("admin")
def handover(document_id: int):
    """登记线下机要传递: a classified document went to committees through 机要 channels; no copy is made."""
    doc, back = _held_or_back(document_id)
    if back:
        return back
    if not classified(doc):
        flash("这份文件没有密级，不登记线下机要传递；如需分送，请用“人工分送”。", "error")
        return redirect(url_for(".detail", document_id=doc.id))
    form = HandoverForm()
    form.committees.choices = _committee_choices()
    if not form.validate_on_submit():
        return _detail(doc, handover_form=form, code=400)
    names = list(dict.fromkeys(form.committees.data))
    if _decide(doc, lambda uow: decisions.handover(uow, doc, names, handed_on=form.handed_on.data,
                                                   handed_by=form.handed_by.data, reason=form.reason.data)):
        flash(f"已登记：这份密级文件已通过机要渠道线下送{'、'.join(names)}。本系统未传送文件。", "success")
    return redirect(url_for(".detail", document_id=doc.id))
