"""Consultations (征求意见) on major matters: who is asked, by when, and what the committee answered."""
from __future__ import annotations

import io

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from ...decision.consult_letters import committee_reply, consultation_letter
from ...errors import InputError
from ...models import Consultation, Document, db, utcnow
from ...operations import AlreadyDone, consultations
from .. import queries
from ..access import allow, jurisdiction
from ..audit.log import work
from ..export import MOST_ROWS, Column, Sheet, local, send_xlsx
from ..forms import input_error, status as form_status
from ..inbox.views import send_blob
from ..drafts.views import DOCX
from ..labels import CONSULTATION_STATUS, download_name, local_today
from ..listing import committee_names, int_arg, unit_names
from ..paging import keyset
from .forms import OpinionForm

bp = Blueprint("consultations", __name__, url_prefix="/consultations")


def _listed():
    q = queries.consultations().with_only_columns(
        Consultation.id, Consultation.committee_id, Consultation.due_on, Consultation.status,
        Consultation.opinion, Consultation.position, Consultation.answered_at, Consultation.stage,
        Consultation.draft_sha256, Consultation.attachment_sha256, Consultation.attachment_name,
        Consultation.created_at, Document.id.label("document_id"), Document.title, Document.doc_number,
        Document.issuer, Document.unit_id)
    status = request.args.get("status", "")
    if status in CONSULTATION_STATUS:
        q = q.where(Consultation.status == status)
    return q, status


@bp.route("")
@allow("admin", "unit", "committee", "auditor")
def index():
    """Consultations newest first, with their document, due date and the committee's opinion."""
    q, status = _listed()
    page = keyset(db.session, q, Consultation.id)
    return render_template("oa_liaison/consultations/index.html", page=page, status=status,
                           statuses=CONSULTATION_STATUS, today=local_today(), committees=committee_names(),
                           units=unit_names(), **_year_figures())


def _year_figures() -> dict:
    """The year's consultation figures per committee and unit, from the yearly review (the same numbers)."""
    if current_user.role not in ("admin", "auditor"):
        return {}
    from ...review import stats, year_review
    year = int_arg("year") or local_today().year
    review = year_review(current_app.extensions["oa_liaison"], jurisdiction(), year)
    figures = {"consultations_opened": "征求意见", "consultations_answered": "已反馈", **stats.CONSULTATION_FIGURES}
    return {"year": year, "figures": figures,
            "year_rows": [("专门委员会", c) for c in review["committees"] if c["consultations_opened"]]
            + [("部门（单位）", u) for u in review["units"] if u["consultations_opened"]],
            "year_totals": review["totals"]}


@bp.route("/export.xlsx")
@allow("admin", "unit", "committee", "auditor")
def export():
    """The consultations as listed (same scope and status), every page, as an Excel sheet."""
    q, _ = _listed()
    units, committees = unit_names(), committee_names()
    columns = [Column("文件", 44), Column("文号", 22), Column("发文单位", 22), Column("征求意见的委员会", 22),
               Column("反馈截止", 12), Column("状态", 8), Column("委员会意见", 50), Column("反馈时间", 17)]
    rows = [(c.title or "（无标题）", c.doc_number or "", units.get(c.unit_id) or c.issuer or "",
             committees.get(c.committee_id, ""), c.due_on, CONSULTATION_STATUS.get(c.status, ""), c.opinion or "",
             local(c.answered_at)) for c in db.session.execute(q.order_by(Consultation.id.desc()).limit(MOST_ROWS))]
    return send_xlsx(f"征求意见（{local_today().isoformat()}）", [Sheet("征求意见", columns, rows)])


@bp.route("/<int:consultation_id>/opinion", methods=["GET", "POST"])
@allow("admin", "committee")
def opinion(consultation_id: int):
    """填写意见: the committee's opinion on the matter; the consultation becomes 已反馈 and the unit hears."""
    c = queries.one(queries.consultations(), Consultation, consultation_id)
    document = db.session.get(Document, c.document_id)
    committee = committee_names().get(c.committee_id)
    if c.status != "open":
        if request.method == "POST":
            flash("这项征求意见已经反馈过意见，不能重复填写。", "info")
            return redirect(url_for(".index"))
        form = None
    else:
        form = OpinionForm()
        if form.validate_on_submit():
            upload = form.attachment.data
            data, name = (upload.read(), upload.filename) if upload else (None, None)
            try:
                with work() as uow:
                    consultations.answer(uow, c, form.opinion.data, utcnow(), form.position.data,
                                         attachment_name=name, attachment=data)
            except AlreadyDone:
                flash("这项征求意见刚刚已由他人反馈，未重复记录。", "info")
                return redirect(url_for(".index"))
            except InputError as exc:
                input_error(form, exc)
            else:
                flash(f"已记录{committee}的意见，并已通知发文单位。", "success")
                return redirect(url_for(".index"))
    return render_template("oa_liaison/consultations/opinion.html", c=c, document=document, form=form,
                           committee=committee, units=unit_names(), today=local_today(),
                           attachment_mb=current_app.config["CONSULTATION_ATTACHMENT_MAX_BYTES"] // (1024 * 1024)), \
        form_status(form) if form is not None else 200


@bp.route("/<int:consultation_id>/draft")
@allow("admin", "unit", "committee", "auditor")
def draft(consultation_id: int):
    """The 征求意见稿 the committee was asked about, as it was sent."""
    c = queries.one(queries.consultations(), Consultation, consultation_id)
    return send_blob(c.draft_sha256, c.draft_name or f"征求意见稿-{c.id}")


@bp.route("/<int:consultation_id>/attachment")
@allow("admin", "unit", "committee", "auditor")
def attachment(consultation_id: int):
    """The attachment the committee answered with (checked for 密级 when it was uploaded)."""
    c = queries.one(queries.consultations(), Consultation, consultation_id)
    return send_blob(c.attachment_sha256, c.attachment_name or f"意见附件-{c.id}")


@bp.route("/<int:consultation_id>/letter.docx")
@allow("admin", "unit", "auditor")
def letter(consultation_id: int):
    """征求意见函 from the record: the draft named as 附件1 (downloaded beside it), the 意见反馈表 as 附件2."""
    c = queries.one(queries.consultations(), Consultation, consultation_id)
    blob, name, _ = consultation_letter(current_app.config, c, templates_dir=current_app.config["TEMPLATES_DIR"])
    return send_file(io.BytesIO(blob), mimetype=DOCX, as_attachment=True, download_name=download_name(name[:-5]))


@bp.route("/<int:consultation_id>/reply.docx")
@allow("admin", "unit", "committee", "auditor")
def reply(consultation_id: int):
    """The committee's 复函 from its answer (its position, opinion and attachment)."""
    c = queries.one(queries.consultations(), Consultation, consultation_id)
    if c.status != "answered":
        abort(404)
    blob, name = committee_reply(current_app.config, c, templates_dir=current_app.config["TEMPLATES_DIR"])
    return send_file(io.BytesIO(blob), mimetype=DOCX, as_attachment=True, download_name=download_name(name[:-5]))
