"""消息: the reminders and notifications addressed to the user's unit or committee, read and unread."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import exists, false, select

from ...models import Message, db
from ...operations import messages as ops
from ..access import allow, committee_id, unit_ids
from ..audit.log import work
from ..models import MessageRead
from ..paging import keyset
from ..queries import capped_count

bp = Blueprint("messages", __name__, url_prefix="/messages")
EVERYONE = ("admin", "unit", "committee", "auditor")


def scoped():
    """Messages the user may read: to their unit (and its sub-units) or committee; admins and auditors all of
    their jurisdiction's."""
    q = select(Message).where(Message.jurisdiction_id == current_user.jurisdiction_id)
    if current_user.role == "unit":
        return q.where(Message.unit_id.in_(unit_ids()))
    if current_user.role == "committee":
        return q.where(Message.committee_id == committee_id()) if committee_id() else q.where(false())
    return q


def _read():
    return exists().where(MessageRead.message_id == Message.id, MessageRead.user_id == current_user.id)


def unread_count() -> str:
    """The header's count of unread messages ("1000+" beyond)."""
    return capped_count(scoped().where(~_read()))


@bp.route("")
@allow(*EVERYONE)
def index():
    """Newest first, unread marked; ``?unread=1`` for the unread only."""
    unread = request.args.get("unread") == "1"
    q = scoped().where(~_read()) if unread else scoped()
    page = keyset(db.session, q, Message.id)
    ids = [m.id for m in page.rows]
    read = set(db.session.scalars(select(MessageRead.message_id).where(
        MessageRead.user_id == current_user.id, MessageRead.message_id.in_(ids)))) if ids else set()
    return render_template("oa_liaison/messages/index.html", page=page, read=read, unread=unread)


@bp.route("/read", methods=["POST"])
@allow("admin", "unit", "committee")   # the auditor changes nothing, not even a read mark
def read():
    """标为已读: the message named (``id``), or every unread one shown (``all``)."""
    q = scoped().where(~_read()).with_only_columns(Message.id)
    ident = request.form.get("id", "")
    if request.form.get("all") != "1":
        q = q.where(Message.id == int(ident)) if ident.isascii() and ident.isdigit() and len(ident) < 10 \
            else q.where(false())
    ids = list(db.session.scalars(q.limit(1000)))
    with work() as uow:
        done = ops.mark_read(uow, current_user, ids, current_user.jurisdiction_id)
    if done:
        flash(f"已将 {len(done)} 条消息标为已读。", "success")
    return redirect(url_for(".index", unread=request.form.get("unread") or None))
