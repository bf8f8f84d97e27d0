"""Deliveries: every copy with its status, reasons and errors; retry the failed ones, redeliver the dead ones
(copies and notifications) after a confirmation page."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from ... import deadletters
from ...delivery import deliver_due
from ...errors import InputError
from ...http import lanes
from ...lease import try_one
from ...models import Copy, Document, HttpHost, Notification, db
from ...operations import copies, deliveries
from .. import queries
from ..access import allow, jurisdiction
from ..audit.log import work
from ..export import MOST_ROWS, Column, Sheet, local, send_xlsx
from ..labels import COPY_STATUS, copy_status, local_today
from ..listing import COPY_COLUMNS, committee_names, int_arg, unit_names
from ..paging import keyset
from ..search import search_args, searched

bp = Blueprint("deliveries", __name__, url_prefix="/deliveries")
RETRY_ALL_LIMIT = 500


def _filtered():
    args = {"committee": int_arg("committee"), "unit": int_arg("unit"), "status": request.args.get("status", "")}
    q = queries.copies(args["committee"] or None, failed=args["status"] == "failed").with_only_columns(
        *COPY_COLUMNS, Document.title, Document.issuer, Document.doc_number, Document.unit_id.label("sender_id"))
    if args["unit"]:
        q = q.where(Document.unit_id == args["unit"])
    if args["status"] == "delivered":
        q = q.where(Copy.status == "delivered")
    elif args["status"] == "pending":
        q = q.where(Copy.status == "pending", Copy.last_error.is_(None))
    elif args["status"] == "dead":
        q = q.where(Copy.status == "dead")
    elif args["status"] != "failed":   # failed: queries.copies(failed=True) above
        args["status"] = ""
    search = search_args()
    q = searched(q, search, (Document.title, Document.doc_number, Document.issuer), Copy.created_at, stamp=True)
    return q, {**args, "search": search}


@bp.route("")
@allow("admin", "auditor")
def index():
    """Copies newest first, filtered by committee, sending unit, status; searched by words and date."""
    q, args = _filtered()
    page = keyset(db.session, q, Copy.id)
    return render_template("oa_liaison/deliveries/index.html", page=page, args=args, search=args["search"],
                           statuses=COPY_STATUS, committees=committee_names(), units=unit_names(),
                           dead_notices=_dead_notifications(), worker=_worker_seen())


def _dead_notifications() -> list[dict]:
    """The jurisdiction's dead notifications (its callback host gave up on them), newest first."""
    rows = db.session.scalars(select(Notification).join(HttpHost, HttpHost.id == Notification.host_id)
                              .where(HttpHost.jurisdiction_id == jurisdiction().id, Notification.status == "dead")
                              .order_by(Notification.id.desc()).limit(RETRY_ALL_LIMIT))
    return [{**deadletters.describe("notification", n), "dead_at": n.dead_at} for n in rows]


def _worker_seen():
    """When a worker was last seen (None: never), for the line that says whether retries happen."""
    from ...http.worker import last_seen
    return last_seen()


@bp.route("/export.xlsx")
@allow("admin", "auditor")
def export():
    """The copies as listed (same filters and search), every page, as an Excel sheet."""
    q, _ = _filtered()
    committees, units = committee_names(), unit_names()
    columns = [Column("生成时间", 17), Column("文号", 22), Column("标题", 44), Column("发文单位", 22), Column("抄送给", 22),
               Column("状态", 16), Column("尝试次数", 8), Column("送达时间", 17), Column("阅读时间", 17), Column("最近错误", 30)]
    rows = [(local(c.created_at), c.doc_number or "", c.title or "（无标题）", units.get(c.sender_id) or c.issuer or "",
             committees.get(c.committee_id) or units.get(c.unit_id) or "", COPY_STATUS.get(copy_status(c), ""),
             c.attempts, local(c.delivered_at), local(c.read_at), (c.last_error or "")[:200])
            for c in db.session.execute(q.order_by(Copy.id.desc()).limit(MOST_ROWS))]
    return send_xlsx(f"抄送投递（{local_today().isoformat()}）", [Sheet("抄送投递", columns, rows)])


@bp.route("/<int:copy_id>")
@allow("admin", "auditor")
def detail(copy_id: int):
    """One copy: recipient, status, attempts, the last error and why it was sent."""
    copy = queries.one(queries.copies(), Copy, copy_id)
    return render_template("oa_liaison/deliveries/detail.html", copy=copy,
                           document=db.session.get(Document, copy.document_id))


def _retry(query, action: str, target: str, document_ids=None) -> dict:
    ids = list(db.session.scalars(query.with_only_columns(Copy.id).where(
        Copy.status == "pending").limit(RETRY_ALL_LIMIT)))
    if not ids:
        return {"delivered": 0, "failed": 0, "copies": 0}

    with work() as uow:
        copies.make_due(uow, ids, action, target, jurisdiction().id)
    counts = deliver_due(current_app.extensions["oa_liaison"], limit=len(ids), document_ids=document_ids)
    return {**counts, "copies": len(ids)}


@bp.route("/<int:copy_id>/retry", methods=["POST"])
@allow("admin")
def retry(copy_id: int):
    """Offer one pending copy to the host again now."""
    copy = queries.one(queries.copies(), Copy, copy_id)
    if copy.status != "pending":
        flash("这份抄送已经送达，无须重试。", "info")
    else:
        counts = _retry(queries.copies().where(Copy.id == copy.id), "copy.retry", f"copy-{copy.id}",
                        document_ids=[copy.document_id])
        flash("已交给后台投递，稍后刷新查看结果。" if counts.get("queued") else "已重试：送达。"
              if counts["delivered"] else "已重试，仍未送达，系统稍后会再试。原因见下方。",
              "success" if counts["delivered"] or counts.get("queued") else "warning")
    return redirect(url_for(".detail", copy_id=copy_id))


@bp.route("/retry-failed", methods=["POST"])
@allow("admin")
def retry_failed():
    """Offer every failed copy (up to 500) to the host again now."""
    counts = _retry(queries.copies(failed=True), "copy.retry_all", "全部失败的抄送")
    if not counts["copies"]:
        flash("没有投递失败的抄送。", "info")
    elif counts.get("queued"):
        flash(f"已将 {counts['copies']} 份交给后台投递，稍后刷新查看结果。", "success")
    else:
        flash(f"已重试 {counts['copies']} 份：送达 {counts['delivered']} 份，仍失败 {counts['failed']} 份。",
              "success" if not counts["failed"] else "warning")
    return redirect(url_for(".index", status="failed"))


def _mine(ref: str):
    """The copy or notification named in the path, if it is this jurisdiction's; else 404."""
    try:
        kind, row = deadletters.find(ref)
    except InputError:
        abort(404)
    if deadletters.jurisdiction_id(kind, row) != jurisdiction().id:
        abort(404)
    return kind, row


@bp.route("/<ref>/redeliver", methods=["POST"])
@allow("admin")
def redeliver(ref: str):
    """重新投递 a dead copy or notification: a confirmation page first (server-side, works under the CSP)."""
    kind, row = _mine(ref)
    back = url_for(".detail", copy_id=row.id) if kind == "copy" else url_for(".index", status="dead")
    if row.status != "dead":
        flash("这条投递不是已放弃的，无须重新投递。", "info")
        return redirect(back)
    if request.form.get("confirmed") != "1":
        return render_template("oa_liaison/deliveries/confirm_redeliver.html", row=deadletters.describe(kind, row),
                               ref=ref, back=back)
    try:
        with work() as uow:
            kind, row_id = deliveries.redeliver(uow, ref)
    except InputError as exc:
        flash(exc.message, "warning")
        return redirect(back)
    # No outbound call on a thread that answers a request: the try goes to the jurisdiction's lane.
    liaison = current_app.extensions["oa_liaison"]
    lanes.submit(liaison, jurisdiction().code, try_one, liaison, deadletters.ledger(kind), row_id)
    what = deadletters.describe(kind, row)
    flash(f"已重新投递{'抄送' if kind == 'copy' else '通知'}（{what['recipient']}：{what['title'] or '无标题'}），"
          "交给后台投递；重试期限重新计算。稍后刷新查看结果。", "success")
    return redirect(back)
