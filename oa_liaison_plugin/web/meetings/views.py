"""Meetings: liaison meetings and their records, minutes and topics; invitations to county-wide meetings; compliance."""
from __future__ import annotations

import contextlib
import io

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from sqlalchemy import select

from ...documents.drafts import render_minutes
from ...errors import InputError
from ...meetings import invitations as inv, record as rec, topics as tp
from ...meetings.compliance import compliance as compliance_of
from ...models import (AgreedTopic, Blob, Committee, Consultation, Document, Invitation, Meeting, Submission, db,
                      utcnow)
from ...operations import meetings as ops
from .. import queries
from ..access import allow, committee_id, jurisdiction, unit_ids
from ..audit.log import work
from ..conflict import conflict_on_stale
from ..drafts.views import DOCX, committee_title
from ..export import MOST_ROWS, Column, Sheet, send_xlsx
from ..forms import choices, input_error, status as form_status
from ..labels import MEETING_KIND, download_name, local_today
from ..listing import committee_names, int_arg, unit_names
from ..paging import keyset
from .forms import RecordForm, SignedForm, StepForm

bp = Blueprint("meetings", __name__, url_prefix="/meetings")
RECORDERS = ("admin", "committee")


def _liaison():
    return current_app.extensions["oa_liaison"]


def _step(meeting_id: int, change, done) -> object:
    """One operation (``change(uow)``) from a meeting page: flash the field's error or ``done(result)``, back to
    the meeting."""
    try:
        with work() as uow:
            result = change(uow)
    except InputError as exc:
        flash(str(exc), "error")
    else:
        flash(done(result), "success")
    return redirect(url_for(".detail", meeting_id=meeting_id))


def _listed():
    q = queries.meetings()
    kind = request.args.get("kind", "")
    if kind in MEETING_KIND:
        q = q.where(Meeting.kind == kind)
    return q, kind


@bp.route("")
@allow("admin", "unit", "committee", "auditor")
def index():
    """Meetings newest first; ``kind=liaison`` for liaison meetings only."""
    q, kind = _listed()
    page = keyset(db.session, q, Meeting.id)
    return render_template("oa_liaison/meetings/index.html", page=page, kind=kind, kinds=MEETING_KIND,
                           units=unit_names(), committees=committee_names())


@bp.route("/export.xlsx")
@allow("admin", "unit", "committee", "auditor")
def export():
    """The meetings as listed (same scope and kind), every page, as an Excel sheet."""
    q, _ = _listed()
    units, committees = unit_names(), committee_names()
    columns = [Column("日期", 12), Column("会议", 44), Column("类型", 22), Column("单位或委员会", 24),
               Column("应邀请", 30), Column("已记录", 8)]
    rows = [(m.held_on, m.title, MEETING_KIND.get(m.kind, ""),
             units.get(m.unit_id) or committees.get(m.committee_id) or "",
             "、".join(m.invitees or []), "是" if m.recorded_at else "否")
            for m in db.session.scalars(q.order_by(Meeting.id.desc()).limit(MOST_ROWS))]
    return send_xlsx(f"联系会与会议（{local_today().isoformat()}）", [Sheet("会议", columns, rows)])


@bp.route("/<int:meeting_id>")
@allow("admin", "unit", "committee", "auditor")
def detail(meeting_id: int):
    """会议详情: the record, agreed topics, invitees (the unit confirms or declines), the signed minutes."""
    m = queries.one(queries.meetings(), Meeting, meeting_id)
    proposals = db.session.scalars(select(Invitation).where(Invitation.meeting_id == m.id)
                                   .order_by(Invitation.id)).all()
    topics = db.session.scalars(select(AgreedTopic).where(AgreedTopic.meeting_id == m.id)
                                .order_by(AgreedTopic.id)).all()
    mine = set(unit_ids()) if current_user.role == "unit" else None
    return render_template("oa_liaison/meetings/detail.html", m=m, proposals=proposals, topics=topics,
                           outcomes=_outcomes(m) if topics and current_user.role in RECORDERS else [],
                           can_answer=lambda i: current_user.role == "admin"
                           or (mine is not None and i.unit_id in mine),
                           can_record=current_user.role in RECORDERS, units=unit_names(), committees=committee_names(),
                           roles=rec.ROLES, invitation_kinds=inv.KINDS, invitation_status=inv.STATUS,
                           topic_kinds=rec.TOPIC_KINDS, topic_states=tp.STATES, step=StepForm(), signed=SignedForm())


def _outcomes(m: Meeting) -> list[tuple[str, str]]:
    """What a topic of this committee can have led to: its consultations and its reports of that year and later."""
    since = m.held_on.replace(month=1, day=1)
    cons = db.session.execute(select(Consultation.id, Document.title).join(Document).where(
        Consultation.committee_id == m.committee_id, Document.jurisdiction_id == m.jurisdiction_id,
        Consultation.due_on >= since).order_by(Consultation.id.desc()).limit(50)).all()
    subs = db.session.execute(select(Submission.id, Submission.kind, Submission.title).where(
        Submission.committee_id == m.committee_id, Submission.jurisdiction_id == m.jurisdiction_id,
        Submission.received_on >= since).order_by(Submission.id.desc()).limit(50)).all()
    return ([(f"consultation-{i}", f"征求意见：{title or '（无标题）'}") for i, title in cons]
            + [(f"submission-{i}", f"{kind}：{title}") for i, kind, title in subs])


def _committee_for_record() -> Committee | None:
    cid = committee_id() if current_user.role == "committee" else int_arg("committee")
    com = db.session.get(Committee, cid) if cid else None
    return com if com is not None and com.jurisdiction_id == current_user.jurisdiction_id else None


@bp.route("/new", methods=["GET", "POST"])
@allow(*RECORDERS)
def new():
    """记录联系会: attendees are chosen from the counterpart units' liaison leaders and the committee's members."""
    com = _committee_for_record()
    if com is None:   # the admin picks the committee first (a POST without one is a bad request)
        return render_template("oa_liaison/meetings/form.html", form=None, committee=None,
                               committees=committee_names()), 400 if request.method == "POST" else 200
    return _record_form(com, None)


@bp.route("/<int:meeting_id>/record", methods=["GET", "POST"])
@allow(*RECORDERS)
def record(meeting_id: int):
    """修改会议记录 of a liaison meeting (its committee's clerk or an admin); a stale form saves nothing."""
    m = queries.one(queries.meetings(), Meeting, meeting_id)
    if m.kind != "liaison" or m.committee_id is None or (
            current_user.role == "committee" and m.committee_id != committee_id()):
        abort(404)
    return _record_form(m.committee, m)


def _record_form(com: Committee, m: Meeting | None):
    """The record's form: a new liaison meeting of ``com``, or ``m``'s record as it stands."""
    pool = rec.candidates(current_user.jurisdiction_id, com.id)
    loaded = RecordForm.data_of(m, _topics(m)) if m else {"held_on": local_today()}
    form = RecordForm(data=None if request.method == "POST" else loaded)
    more = request.method == "POST" and form.more.data
    if more:   # 再加一行: the rows kept (删去 ones dropped), one blank more, nothing saved
        form = RecordForm(formdata=None, data={**form.data, **form.rows()})
    if request.method == "GET" or more:
        for rows in (form.absent, form.observers, form.agreed_topics):
            if not rows.entries or rows.entries[-1].form.filled():
                rows.append_entry()
    form.attendees.choices = choices((c["key"], _person(c)) for c in pool)
    if not more and form.validate_on_submit():
        data = {**form.record(com.name), **({"id": m.host_id, "title": m.title} if m else {})}
        guard = conflict_on_stale(f"“{m.title}”的会议记录", lambda: _shown(RecordForm.data_of(m, _topics(m)), pool),
                                  _shown(form.data, pool), url_for(".record", meeting_id=m.id), form) \
            if m else contextlib.nullcontext()
        try:
            with guard, work() as uow:
                saved = ops.record_meeting(uow, jurisdiction(), data, local_today(), version=form.version.data,
                                           before=_shown(loaded, pool) if m else None)
                held_on, meeting_id = saved.held_on, saved.id
        except InputError as exc:
            input_error(form, exc)
        else:
            flash(f"已记录{com.name}{held_on.isoformat()}的联系会；纪要可按记录直接生成。", "success")
            return redirect(url_for(".detail", meeting_id=meeting_id))
    return render_template("oa_liaison/meetings/form.html", form=form, committee=com, pool=pool, meeting=m,
                           committees=committee_names()), form_status(form)


def _topics(m: Meeting | None) -> list[AgreedTopic]:
    return db.session.scalars(select(AgreedTopic).where(AgreedTopic.meeting_id == m.id)
                              .order_by(AgreedTopic.id)).all() if m else []


def _person(c: dict) -> str:
    return f"{c['organisation']} {c['post']} {c['name']}"


def _shown(data: dict, pool: list[dict]) -> dict:
    """A record's form data as the conflict page and the audit log show it: attendees by name, not by key."""
    names = {c["key"]: _person(c) for c in pool}
    shown = {k: v for k, v in data.items() if k not in ("csrf_token", "version", "more")}
    for key, first, words in (("absent", "name", ("name", "reason")),
                              ("observers", "name", ("organisation", "post", "name")),
                              ("agreed_topics", "title", ("kind", "title", "unit"))):
        shown[key] = [" ".join(filter(None, (r.get(w) for w in words))) for r in shown.get(key) or []
                      if r.get(first) and not r.get("remove")]
    return {**shown, "held_on": str(shown.get("held_on") or ""),
            "attendees": sorted(names.get(a, a) for a in shown.get("attendees") or [])}


@bp.route("/<int:meeting_id>/minutes.docx")
@allow(*RECORDERS)
def minutes(meeting_id: int):
    """纪要 generated from the meeting's record (no typing again)."""
    m = queries.one(queries.meetings(), Meeting, meeting_id)
    if m.recorded_at is None or m.committee_id is None:
        abort(404)
    data = rec.minutes_data(m, committee_title(m.committee.name))
    try:
        blob = render_minutes(data, templates_dir=current_app.config["TEMPLATES_DIR"],
                              extra_context=_liaison().draft_context("minutes", data))
    except InputError as exc:
        flash(f"无法生成纪要：{exc.message}", "error")
        return redirect(url_for(".detail", meeting_id=m.id))
    return send_file(io.BytesIO(blob), mimetype=DOCX, as_attachment=True,
                     download_name=download_name(f"纪要-{m.title}"))


@bp.route("/<int:meeting_id>/signed", methods=["POST"])
@allow(*RECORDERS)
def signed(meeting_id: int):
    """Upload the signed minutes; kept with their SHA-256."""
    m = queries.one(queries.meetings(), Meeting, meeting_id)
    form = SignedForm()
    if not form.validate_on_submit():
        flash("；".join(form.all_errors) or "请选择文件", "error")
        return redirect(url_for(".detail", meeting_id=m.id))
    data, name = form.file.data.read(), form.file.data.filename
    return _step(m.id, lambda uow: ops.sign(uow, m, data, name),
                 lambda digest: f"已保存签发的纪要（SHA-256 {digest[:16]}…）。")


@bp.route("/<int:meeting_id>/signed/file")
@allow("admin", "unit", "committee", "auditor")
def signed_file(meeting_id: int):
    m = queries.one(queries.meetings(), Meeting, meeting_id)
    blob = db.session.get(Blob, m.minutes_sha256) if m.minutes_sha256 else None
    if blob is None:
        abort(404)
    return send_file(io.BytesIO(blob.data), as_attachment=True, download_name=m.minutes_name or "纪要",
                     mimetype="application/pdf" if blob.data.startswith(b"%PDF") else DOCX)


@bp.route("/invitations/<int:invitation_id>", methods=["POST"])
@allow("admin", "unit")
def answer(invitation_id: int):
    """The unit confirms (or declines) a proposed invitee."""
    i = db.session.get(Invitation, invitation_id)
    if i is None or i.meeting.jurisdiction_id != current_user.jurisdiction_id or (
            current_user.role == "unit" and i.unit_id not in unit_ids()):
        abort(404)
    form = StepForm()
    if not form.validate_on_submit():
        return redirect(url_for(".detail", meeting_id=i.meeting_id))
    return _step(i.meeting_id, lambda uow: ops.answer_invitation(uow, i, form.value.data, utcnow()),
                 lambda _: f"{i.organisation}{i.name}：{inv.STATUS[i.status]}。")


@bp.route("/topics/<int:topic_id>", methods=["POST"])
@allow("admin", "committee")
def topic(topic_id: int):
    """Move an agreed topic to its next state (optionally linking the consultation or report it produced)."""
    t = db.session.get(AgreedTopic, topic_id)
    if t is None or t.jurisdiction_id != current_user.jurisdiction_id or (
            current_user.role == "committee" and t.committee_id != committee_id()):
        abort(404)
    form = StepForm()
    if not form.validate_on_submit():
        return redirect(url_for(".detail", meeting_id=t.meeting_id))
    outcome = form.outcome()
    return _step(t.meeting_id, lambda uow: ops.advance_topic(uow, t, form.value.data, local_today(), **outcome),
                 lambda _: f"课题“{t.title}”：{tp.STATES[t.state]}。")


@bp.route("/compliance")
@allow("admin", "unit", "committee", "auditor")
def compliance():
    """各委员会联系会达标情况: who is behind this year (or ``year``)."""
    today = local_today()
    return render_template("oa_liaison/meetings/compliance.html", result=_compliance(today), today=today,
                           mine=committee_id())


def _compliance(today) -> dict:
    year = int_arg("year") or today.year
    if not 1949 <= year <= today.year:
        flash(f"{year} 年尚未到来，显示 {today.year} 年。", "info")
        year = today.year
    return compliance_of(_liaison(), jurisdiction(), year, today)


@bp.route("/compliance.xlsx")
@allow("admin", "unit", "committee", "auditor")
def compliance_export():
    """The compliance table of the year, as an Excel sheet."""
    result = _compliance(local_today())
    rows = [(c["name"], c["held"], result["minimum"],
             f"未达到，还差 {result['minimum'] - c['held']} 次" if c["behind"] else "已达到") for c in result["committees"]]
    columns = [Column("专门委员会", 26), Column("已召开", 8), Column("最低要求", 10), Column("情况", 18)]
    return send_xlsx(f"{result['year']}年联系会达标情况", [Sheet("联系会达标情况", columns, rows)])
