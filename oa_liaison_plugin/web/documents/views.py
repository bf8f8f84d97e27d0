"""Issued documents: where each went and why, deliveries and read receipts (a unit clerk sees its own)."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user
from sqlalchemy import select

from ...models import Consultation, Copy, Decision, Document, db
from .. import queries
from ..access import allow
from ..labels import DOCUMENT_STATUS
from ..listing import COPY_COLUMNS, DOCUMENT_COLUMNS, committee_names, int_arg, unit_names
from ..paging import keyset

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
    decisions = db.session.scalars(select(Decision).where(Decision.document_id == doc.id)
                                   .order_by(Decision.id.desc())).all()
    copies = db.session.execute(select(*COPY_COLUMNS).where(Copy.document_id == doc.id)
                                .order_by(Copy.id)).all()
    consultations = db.session.scalars(select(Consultation).where(Consultation.document_id == doc.id)
                                       .order_by(Consultation.id)).all()
    return render_template("oa_liaison/documents/detail.html", doc=doc, decisions=decisions, copies=copies,
                           consultations=consultations, committees=committee_names(), units=unit_names())
