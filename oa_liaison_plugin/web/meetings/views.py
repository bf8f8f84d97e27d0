"""Meetings: liaison meetings (对口单位负责人联系会) and county-wide meetings with invited committees."""
from __future__ import annotations

from flask import Blueprint, render_template, request

from ...models import Meeting, db
from .. import queries
from ..access import allow
from ..labels import MEETING_KIND
from ..listing import unit_names
from ..paging import keyset

bp = Blueprint("meetings", __name__, url_prefix="/meetings")


@bp.route("")
@allow("admin", "unit", "committee", "auditor")
def index():
    """Meetings newest first; ``kind=liaison`` for liaison meetings only."""
    q = queries.meetings()
    kind = request.args.get("kind", "")
    if kind in MEETING_KIND:
        q = q.where(Meeting.kind == kind)
    page = keyset(db.session, q, Meeting.id)
    return render_template("oa_liaison/meetings/index.html", page=page, kind=kind, kinds=MEETING_KIND,
                           units=unit_names())
