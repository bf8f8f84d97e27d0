"""Consultations (征求意见) on major matters: who is asked, by when; letter drafts for the asking unit."""
from __future__ import annotations

from flask import Blueprint, render_template, request

from ...models import Consultation, Document, db
from .. import queries
from ..access import allow
from ..labels import CONSULTATION_STATUS, local_today
from ..listing import committee_names, unit_names
from ..paging import keyset

bp = Blueprint("consultations", __name__, url_prefix="/consultations")


@bp.route("")
@allow("admin", "unit", "committee", "auditor")
def index():
    """Consultations newest first, with their document and due date."""
    q = queries.consultations().with_only_columns(
        Consultation.id, Consultation.committee_id, Consultation.due_on, Consultation.status,
        Consultation.created_at, Document.id.label("document_id"), Document.title, Document.doc_number,
        Document.issuer, Document.unit_id)
    status = request.args.get("status", "")
    if status in CONSULTATION_STATUS:
        q = q.where(Consultation.status == status)
    page = keyset(db.session, q, Consultation.id)
    return render_template("oa_liaison/consultations/index.html", page=page, status=status,
                           statuses=CONSULTATION_STATUS, today=local_today(), committees=committee_names(),
                           units=unit_names())
