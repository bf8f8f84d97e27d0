"""The start page: what needs the user's attention, by role."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, url_for
from flask_login import current_user
from sqlalchemy import func, select

from ...meetings import compliance, people
from ...models import Cohandler, Consultation, Copy, Document, Invitation, Rule, Submission, db
from .. import queries
from ..access import allow, jurisdiction, unit_ids
from ..labels import local_today

bp = Blueprint("home", __name__)


def _cards() -> list[dict]:
    role, today = current_user.role, local_today()
    cards = []

    def card(n, title, text, endpoint, **args):
        cards.append({"n": n, "title": title, "text": text, "url": url_for(endpoint, **args)})

    if role in ("admin", "auditor"):
        docs = queries.documents()
        card(queries.capped_count(docs.where(Document.status == "unmatched")), "份文件待映射发文单位",
             "发文单位不在对口联系表中，映射后自动分送", "unmatched.index")
        card(queries.capped_count(docs.where(Document.status == "held")), "份文件暂存待定",
             "密级、限制传阅或规则要求人工决定", "documents.index", status="held")
        failed = queries.copies().where(Copy.status == "pending", Copy.last_error.is_not(None))
        card(queries.capped_count(failed), "份抄送投递失败", "系统会自动重试，也可手动重试", "deliveries.index", status="failed")
        n = db.session.scalar(select(func.count(Rule.id)).where(Rule.jurisdiction_id == jurisdiction().id,
                                                                Rule.enabled.is_(True)))
        card(str(n), "条分送规则在用", "决定哪些文件抄送、送哪些委员会", "rules.index")
        card(queries.capped_count(queries.submissions().where(Submission.status == "open", Submission.due_on < today)),
             "件来件已超过答复期限", "各单位的按期答复率也在“来件答复”中", "submissions.index", overdue=1)
    if role == "unit":
        subs = queries.submissions().where(Submission.status == "open")
        card(queries.capped_count(subs), "件来件待答复", "委员会的提案、调研报告等，可下载答复函草稿", "submissions.index")
        card(queries.capped_count(subs.where(Submission.due_on < today)), "件已超过答复期限", "请尽快答复",
             "submissions.index", overdue=1)
        co = queries.submissions(cohandled=True).where(Submission.status == "open", Submission.id.in_(
            select(Cohandler.submission_id).where(Cohandler.status == "open", Cohandler.unit_id.in_(unit_ids()))))
        card(queries.capped_count(co), "件会办待送意见", "其他单位主办、本单位会办的来件", "submissions.index", co=1)
        card(queries.capped_count(queries.consultations().where(Consultation.status == "open")), "项征求意见进行中",
             "可下载征求意见函草稿", "consultations.index")
        card(queries.capped_count(queries.issued(queries.documents())), "份本单位发文", "查看去向、投递情况和已读回执",
             "documents.index")
    if role in ("committee", "unit"):
        card(queries.capped_count(queries.inbox().where(Copy.read_at.is_(None), Copy.status == "delivered")),
             "份收件未读", "抄送给本" + ("委员会" if role == "committee" else "单位") + "的文件", "inbox.index", unread=1)
    if role == "committee":
        card(queries.capped_count(queries.consultations().where(Consultation.status == "open")), "项征求意见待反馈",
             "对口单位就重大事项征求本委意见", "consultations.index")
        card(queries.capped_count(queries.submissions().where(Submission.status == "open")), "件来件待对方答复",
             "本委报送的提案、调研报告等", "submissions.index")
        card(queries.capped_count(queries.submissions().where(Submission.state == "sent")), "件答复待评价",
             "满意 / 基本满意 / 不满意", "submissions.index", state="sent")
    _liaison_cards(role, today, card)
    return cards


def _liaison_cards(role: str, today, card) -> None:
    """Form (6): committees behind on liaison meetings; units without a liaison leader; invitees to answer."""
    if role in ("admin", "auditor", "committee"):
        held = compliance.held(current_user.jurisdiction_id, today.year, today)
        minimum = int(current_app.config["MEETINGS_MINIMUM"])
        if role == "committee":
            n = next((count for cid, _, count in held if cid == current_user.committee_id), 0)
            card(str(n), f"次联系会（{today.year}年）", f"每年至少 {minimum} 次（三(六)）", "meetings.compliance")
        else:
            behind = sum(count < minimum for _, _, count in held)
            card(str(behind), "个委员会联系会未达标", f"{today.year}年每个委员会至少 {minimum} 次", "meetings.compliance")
    if role in ("admin", "auditor"):
        missing = sum(lead is None for _, lead in people.leaders_by_unit(current_user.jurisdiction_id))
        card(str(missing), "个单位未确定分管领导", "五(二)：姓名、职务、联系电话报三办备案", "leaders.index")
    if role == "unit":
        pending = select(Invitation.id).where(Invitation.unit_id.in_(unit_ids()), Invitation.status == "proposed")
        card(queries.capped_count(pending), "位应邀请人员待确认", "全县性会议、检查应邀请政协委员会负责人（三(一)(三)）",
             "meetings.index")


@bp.route("/")
@allow("admin", "unit", "committee", "auditor")
def index():
    """What needs attention now."""
    return render_template("oa_liaison/home.html", cards=_cards())
