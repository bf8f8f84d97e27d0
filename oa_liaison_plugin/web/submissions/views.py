"""Committee submissions (提案, 调研报告 …) and their reply deadlines; reply drafts are one click away."""
from __future__ import annotations

from flask import Blueprint, render_template, request

from ...models import Submission, db
from .. import queries
from ..access import allow
from ..labels import SUBMISSION_STATUS, local_today
from ..listing import committee_names, unit_names
from ..paging import keyset

bp = Blueprint("submissions", __name__, url_prefix="/submissions")


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
                           units=unit_names())
