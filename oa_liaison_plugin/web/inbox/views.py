"""The inbox: copies to the clerk's committee (or, reverse flow, unit); 标记已读 tells the sender."""
from __future__ import annotations

import io

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for

from ...documents.formats import detect
from ...models import Blob, Copy, Document, db, utcnow
from ...operations import AlreadyDone, copies
from .. import queries
from ..access import allow
from ..audit.log import work
from ..export import MOST_ROWS, Column, Sheet, local, send_xlsx
from ..labels import COPY_KINDS, download_name, local_today
from ..listing import COPY_COLUMNS, committee_names, unit_names
from ..paging import keyset
from ..search import search_args, searched

bp = Blueprint("inbox", __name__, url_prefix="/inbox")
CLERKS = ("committee", "unit")


def _listed():
    """The copies the inbox shows (unread only, search applied), with what the form asked for."""
    q = queries.inbox().with_only_columns(*COPY_COLUMNS, Copy.kind, Copy.snapshot, Document.title, Document.issuer,
                                          Document.doc_number, Document.unit_id.label("sender_id"),
                                          Document.issued_on)
    unread = request.args.get("unread") == "1"
    if unread:
        q = q.where(Copy.read_at.is_(None))
    search = search_args()
    q = searched(q, search, (Document.title, Document.doc_number, Document.issuer), Copy.created_at, stamp=True)
    return q, {"unread": unread, "search": search}


@bp.route("")
@allow(*CLERKS)
def index():
    """Copies to me, newest first; ``?unread=1`` for the unread ones; search and export."""
    q, asked = _listed()
    page = keyset(db.session, q, Copy.id)
    return render_template("oa_liaison/inbox/index.html", page=page, units=unit_names(), **asked)


@bp.route("/export.xlsx")
@allow(*CLERKS)
def export():
    """The inbox as on screen (same copies, filter and search), every page of it, as an Excel sheet."""
    q, _ = _listed()
    rows = db.session.execute(q.order_by(Copy.id.desc()).limit(MOST_ROWS)).all()
    units = unit_names()
    columns = [Column("收到时间", 17), Column("类别", 10), Column("文号", 22), Column("标题", 50), Column("发文单位", 22),
               Column("印发日期", 12), Column("状态", 8), Column("阅读时间", 17)]
    out = [(local(c.delivered_at or c.created_at), COPY_KINDS.get(c.kind, c.kind), c.doc_number or "",
            c.title or "（无标题）",
            units.get(c.sender_id) or c.issuer or "", c.issued_on, "已读" if c.read_at else "未读", local(c.read_at))
           for c in rows]
    return send_xlsx(f"收件箱（{local_today().isoformat()}）", [Sheet("收件箱", columns, out)])


@bp.route("/<int:copy_id>")
@allow(*CLERKS)
def detail(copy_id: int):
    """One copy: what the document is, why it was sent to me, its file."""
    copy = queries.one(queries.inbox(), Copy, copy_id)
    return render_template("oa_liaison/inbox/detail.html", copy=copy,
                           document=db.session.get(Document, copy.document_id), committees=committee_names())


@bp.route("/<int:copy_id>/file")
@allow(*CLERKS)
def file(copy_id: int):
    """The frozen file that was copied, under its own name, extension and content type (OFD, PDF, .docx...)."""
    copy = queries.one(queries.inbox(), Copy, copy_id)
    snap = copy.snapshot or {}
    return send_blob(snap.get("file_sha256"),
                      snap.get("file_name") or snap.get("doc_number") or snap.get("title") or f"copy-{copy.id}")


@bp.route("/<int:copy_id>/attachments/<int:number>")
@allow(*CLERKS)
def attachment(copy_id: int, number: int):
    """附件 N (from 1) of the copied document, as it was handed over."""
    copy = queries.one(queries.inbox(), Copy, copy_id)
    attachments = (copy.snapshot or {}).get("attachments") or []
    if not 1 <= number <= len(attachments):
        abort(404)
    a = attachments[number - 1]
    return send_blob(a.get("sha256"), a.get("name") or f"附件{number}")


def send_blob(sha: str | None, name: str):
    """A stored file as a download; its format (so extension and content type) read from its bytes."""
    blob = db.session.get(Blob, sha) if sha else None
    if blob is None:
        abort(404)
    fmt = detect(blob.data, name)
    stem = name[:-len(fmt.extension)] if fmt.extension and name.lower().endswith(fmt.extension) else name
    return send_file(io.BytesIO(blob.data), as_attachment=True, mimetype=fmt.content_type,
                     download_name=download_name(stem, fmt.extension))


@bp.route("/<int:copy_id>/read", methods=["POST"])
@allow(*CLERKS)
def read(copy_id: int):
    """标记已读: record the read time once and tell the sender."""
    copy = queries.one(queries.inbox(), Copy, copy_id)
    try:
        with work() as uow:
            copies.mark_read(uow, copy, utcnow())
    except AlreadyDone:  # read before (or by a colleague just now): one receipt only
        pass
    else:
        flash("已标记为已读，已通知发文单位。", "success")
    target = request.form.get("next", "")
    return redirect(target if target.startswith("/inbox") else url_for(".detail", copy_id=copy_id))
