"""Committee submissions (提案, 调研报告 …) and their reply deadlines; reply drafts are one click away."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from ...models import Submission, db
from ...operations import AlreadyDone, mark_replied
from .. import queries
from ..access import allow
from ..audit.log import committed
from ..forms import status as form_status
from ..labels import SUBMISSION_STATUS, local_today
from ..listing import committee_names, unit_names
from ..models import AuditEntry
from ..paging import keyset
from .forms import RepliedForm

bp = Blueprint("submissions", __name__, url_prefix="/submissions")
ACTION = "submission.replied"


def _target(submission_id: int) -> str:
    return f"submission-{submission_id}"


def replies(ids) -> dict[int, dict]:
    """The reply letter (发文字号, date) of each replied submission, from its audit entry (latest wins)."""
    targets = {_target(i): i for i in ids}
    out: dict[int, dict] = {}
    if targets:
        for target, after in db.session.execute(
                select(AuditEntry.target, AuditEntry.after).where(AuditEntry.action == ACTION,
                                                                  AuditEntry.target.in_(targets))
                .order_by(AuditEntry.id)):
            out[targets[target]] = after or {}
    return out


@bp.route("")
@allow("admin", "unit", "committee", "auditor")
def index():
    """Submissions newest first; ``status`` and ``overdue`` filters."""
    q = queries.submissions()
    status = request.args.get("status", "")
    if status in SUBMISSION_STATUS:
        q = q.where(Submission.status == status)
    overdue = request.args.get("overdue") == "1"
    if overdue:
        q = q.where(Submission.status == "open", Submission.due_on < local_today())
    page = keyset(db.session, q, Submission.id)
    return render_template("oa_liaison/submissions/index.html", page=page, status=status, overdue=overdue,
                           statuses=SUBMISSION_STATUS, today=local_today(), committees=committee_names(),
                           units=unit_names(),
                           replies=replies([s.id for s in page.rows if s.status == "replied"]))


@bp.route("/<int:submission_id>/replied", methods=["GET", "POST"])
@allow("admin", "unit")
def replied(submission_id: int):
    """标记已答复: the reply letter's number and date go into the audit log; the deadline no longer runs."""
    s = queries.one(queries.submissions(), Submission, submission_id)
    if s.status != "open":
        flash("这件来件已经标记为已答复。", "info")
        return redirect(url_for(".index"))
    form = RepliedForm()
    if request.method == "GET" and not form.date.data:
        form.date.data = local_today()
    if form.validate_on_submit():
        if form.date.data < s.received_on or form.date.data > local_today():
            form.add_error("date", f"复函日期应在收到日期（{s.received_on.isoformat()}）与今天之间")
        else:
            reply = {"status": "replied", "reply_doc_number": form.doc_number.data,
                     "reply_date": form.date.data.isoformat(), "kind": s.kind, "title": s.title}
            try:
                committed(ACTION, _target(s.id), {"status": "open"}, reply, lambda: mark_replied(s.id))
            except AlreadyDone:
                flash("这件来件刚刚已由他人标记为已答复。", "info")
                return redirect(url_for(".index"))
            flash(f"已标记为已答复（{form.doc_number.data}）。", "success")
            return redirect(url_for(".index"))
    return render_template("oa_liaison/submissions/replied.html", s=s, form=form, today=local_today(),
                           committees=committee_names(), units=unit_names()), form_status(form)
