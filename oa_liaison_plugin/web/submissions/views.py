"""Reply tasks in the panel: lists (due soon, overdue, co-handled), a task's page, its changes, the on-time rate."""
from __future__ import annotations

import io

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from ...errors import InputError
from ...models import Blob, Cohandler, Reply, Submission, db
from ...operations import AlreadyDone, replies as ops
from ...replies import tasks
from ...replies.listing import filtered
from ...review import stats
from .. import queries
from ..access import allow, jurisdiction, unit_ids
from ..audit.log import work
from ..charts import bars
from ..confirm import ask, confirmed
from ..forms import choices, input_error, status as form_status
from ..labels import download_name, local_today
from ..listing import committee_names, int_arg, unit_names
from ...replies.deadlines import days_left
from ..export import MOST_ROWS, Column, Sheet, send_xlsx
from ..paging import keyset, numbered
from ..search import search_args, searched
from .forms import ExtendForm, NewSubmissionForm, OpinionForm, RateForm, RepliedForm

bp = Blueprint("submissions", __name__, url_prefix="/submissions")
DUE_SOON_DAYS = 15
EVERYONE = ("admin", "unit", "committee", "auditor")


def latest_replies(ids) -> dict[int, Reply]:
    """The latest answer of each task (its 发文字号, date and rating), one query."""
    out: dict[int, Reply] = {}
    if ids:
        for r in db.session.scalars(select(Reply).where(Reply.submission_id.in_(ids)).order_by(Reply.round)):
            out[r.submission_id] = r
    return out


def _apply(form, s: Submission, change) -> bool:
    """Run ``change(uow)``, an operation on the task; bad input becomes an error on the field it names."""
    try:
        with work() as uow:
            change(uow)
        return True
    except InputError as exc:
        input_error(form, exc)
    except AlreadyDone:   # a colleague was first: show the task as it now stands
        flash("这件来件刚刚已由他人处理，未作改动。", "info")
        abort(redirect(url_for(".detail", submission_id=s.id)))
    return False


def _listed(today):
    """The tasks the list shows (scope, filters and search applied), with what the form asked for."""
    co = request.args.get("co") == "1" and current_user.role == "unit"
    q = queries.submissions(cohandled=True)
    if co:
        q = q.where(~Submission.unit_id.in_(unit_ids()))
    state = request.args.get("state", "")
    overdue = request.args.get("overdue") == "1"
    soon = request.args.get("soon") == "1"
    q = filtered(q, today, state=state if state in tasks.STATES else None, overdue=overdue,
                 due_within=DUE_SOON_DAYS if soon else None)
    search = search_args()
    q = searched(q, search, (Submission.title, Submission.number, Submission.unit_name), Submission.received_on)
    return q, {"co": co, "state": state, "overdue": overdue, "soon": soon, "search": search}


def _by_days_left(asked: dict) -> bool:
    # Lists of what is due are read by urgency: the fewest days left (the longest overdue) first.
    return asked["soon"] or asked["overdue"]


@bp.route("")
@allow(*EVERYONE)
def index():
    """Tasks newest first (due soon and overdue ones by days left); filters, search, export."""
    today = local_today()
    q, asked = _listed(today)
    if _by_days_left(asked):
        page = numbered(db.session, q, Submission.due_on, Submission.id)
    else:
        page = keyset(db.session, q, Submission.id)
    return render_template("oa_liaison/submissions/index.html", page=page, states=tasks.STATES, today=today,
                           committees=committee_names(), units=unit_names(), mine=set(unit_ids()),
                           soon_days=DUE_SOON_DAYS, replies=latest_replies([s.id for s in page.rows]), **asked)


@bp.route("/export.xlsx")
@allow(*EVERYONE)
def export():
    """The list as on screen (same scope, filters, search and order), every page of it, as an Excel sheet."""
    today = local_today()
    q, asked = _listed(today)
    order = (Submission.due_on, Submission.id) if _by_days_left(asked) else (Submission.id.desc(),)
    rows = db.session.scalars(q.order_by(*order).limit(MOST_ROWS)).all()
    replies, committees, units = latest_replies([s.id for s in rows]), committee_names(), unit_names()
    columns = [Column("收到日期", 12), Column("类别", 10), Column("来件", 44), Column("编号", 12), Column("委员会", 22),
               Column("答复单位", 22), Column("答复期限", 12), Column("剩余时间", 12), Column("状态", 10),
               Column("复函文号", 22), Column("答复日期", 12), Column("评价", 10)]
    out = []
    for s in rows:
        r = replies.get(s.id)
        out.append((s.received_on, s.kind, s.title, s.number or "", committees.get(s.committee_id, ""),
                    units.get(s.unit_id) or s.unit_name, s.due_on,
                    days_left(s.due_on, today) if s.status == "open" else "",
                    tasks.STATES.get(s.state, ""), r.doc_number if r else "", r.sent_on if r else None,
                    (r.rating or "") if r else ""))
    return send_xlsx(f"来件答复（{today.isoformat()}）", [Sheet("来件答复", columns, out)])


@bp.route("/<int:submission_id>")
@allow(*EVERYONE)
def detail(submission_id: int):
    """One task: the submission, its deadline and extensions, co-handlers' opinions, answers and ratings."""
    s = queries.one(queries.submissions(cohandled=True), Submission, submission_id)
    main = current_user.role != "unit" or s.unit_id in unit_ids()
    co = tasks.cohandlers(s.id)
    if not main:   # a co-handler sees its own opinion, not the others'
        co = [c for c in co if c.unit_id in unit_ids()]
    elif current_user.role == "committee":   # opinions go to the main unit, not to the committee
        co = []
    return render_template("oa_liaison/submissions/detail.html", s=s, main=main, cohandlers=co,
                           replies=tasks.replies(s.id), extensions=tasks.extensions(s.id), today=local_today(),
                           states=tasks.STATES, committees=committee_names(), units=unit_names())


@bp.route("/new", methods=["GET", "POST"])
@allow("admin", "unit")
def new():
    """登记来件: a submission that arrived on paper gets its reply task like one from the host."""
    form = NewSubmissionForm()
    form.committee.choices = choices([("", "请选择")] + [(n, n) for n in committee_names().values()])
    if current_user.role == "unit":
        form.unit.data = unit_names().get(current_user.unit_id)
    if request.method == "GET" and not form.received.data:
        form.received.data = local_today()
    if form.validate_on_submit():
        import uuid
        try:
            with work() as uow:
                s, _ = ops.receive(uow, {
                    "id": f"panel-{uuid.uuid4().hex[:12]}", "jurisdiction": jurisdiction().code,
                    "committee": form.committee.data, "unit": form.unit.data, "kind": form.kind.data,
                    "title": form.title.data, "number": form.number.data or None,
                    "received": form.received.data.isoformat(), "cohandlers": form.cohandlers.data or None,
                    "body": form.body.data or None})
                sid, due = s.id, s.due_on
        except InputError as exc:
            input_error(form, exc)
        else:
            flash(f"已登记，答复期限 {due.isoformat()}。", "success")
            return redirect(url_for(".detail", submission_id=sid))
    return render_template("oa_liaison/submissions/new.html", form=form), form_status(form)


@bp.route("/<int:submission_id>/replied", methods=["GET", "POST"])
@allow("admin", "unit")
def replied(submission_id: int):
    """标记已答复: the reply letter's number, date and signed file; the committee is notified."""
    s = queries.one(queries.submissions(), Submission, submission_id)
    if s.status != "open":
        flash("这件来件已经标记为已答复。", "info")
        return redirect(url_for(".detail", submission_id=s.id))
    form = RepliedForm()
    if request.method == "GET" and not form.date.data:
        form.date.data = local_today()
    if form.validate_on_submit():
        upload = form.file.data
        data, name = (upload.read(), upload.filename) if upload else (None, None)
        if _apply(form, s, lambda uow: ops.send_reply(
                uow, s, form.doc_number.data, form.date.data, current_user.username, file_name=name, data=data,
                today=local_today())):
            flash(f"已标记为已答复（{form.doc_number.data}），已通知委员会。", "success")
            return redirect(url_for(".index"))
    return render_template("oa_liaison/submissions/replied.html", s=s, form=form, today=local_today(),
                           committees=committee_names(), units=unit_names(),
                           cohandlers=tasks.cohandlers(s.id)), form_status(form)


@bp.route("/<int:submission_id>/extend", methods=["GET", "POST"])
@allow("admin")
def extend(submission_id: int):
    """延期: a new deadline with its reason; the original stays beside it."""
    s = queries.one(queries.submissions(), Submission, submission_id)
    form = ExtendForm()
    if form.validate_on_submit() and _apply(
            form, s, lambda uow: ops.extend(uow, s, form.due.data, form.reason.data, current_user.username)):
        flash(f"答复期限已延至 {form.due.data.isoformat()}。", "success")
        return redirect(url_for(".detail", submission_id=s.id))
    return render_template("oa_liaison/submissions/change.html", s=s, form=form, heading="延长答复期限",
                           button="确认延期", today=local_today()), form_status(form)


@bp.route("/<int:submission_id>/rate", methods=["GET", "POST"])
@allow("committee")
def rate(submission_id: int):
    """评价: the committee that sent the submission rates the latest answer; 不满意 reopens the task."""
    s = queries.one(queries.submissions(), Submission, submission_id)
    form = RateForm()
    if form.validate_on_submit() and _apply(form, s, lambda uow: ops.rate(
            uow, s, committee_names().get(current_user.committee_id), form.rating.data, form.comment.data,
            current_user.username, today=local_today())):
        flash("已评价" + ("，答复单位将重新办理。" if s.state == "reopened" else "。"), "success")
        return redirect(url_for(".detail", submission_id=s.id))
    return render_template("oa_liaison/submissions/change.html", s=s, form=form, heading="评价答复",
                           button="提交评价", today=local_today(), reply=(tasks.replies(s.id) or [None])[-1]), \
        form_status(form)


@bp.route("/<int:submission_id>/opinion", methods=["GET", "POST"])
@allow("unit")
def opinion(submission_id: int):
    """会办意见: a co-handling unit's opinion goes to the main unit."""
    s = queries.one(queries.submissions(cohandled=True), Submission, submission_id)
    c = db.session.scalar(select(Cohandler).where(Cohandler.submission_id == s.id,
                                                  Cohandler.unit_id.in_(unit_ids())))
    if c is None:
        abort(404)
    form = OpinionForm()
    if form.validate_on_submit() and _apply(
            form, s, lambda uow: ops.give_opinion(uow, s, c, form.opinion.data, current_user.username)):
        flash("会办意见已送主办单位。", "success")
        return redirect(url_for(".detail", submission_id=s.id))
    return render_template("oa_liaison/submissions/change.html", s=s, form=form, heading="送会办意见",
                           button="送主办单位", today=local_today(), cohandler=c), form_status(form)


@bp.route("/<int:submission_id>/remind", methods=["POST"])
@allow("admin", "committee")
def remind(submission_id: int):
    """立即提醒: an administrator, or the committee for its own submission, reminds the main unit now — after a
    confirmation page of its own; once a day (a second one the same day is refused, saying when)."""
    s = queries.one(queries.submissions(), Submission, submission_id)
    back = request.form.get("back") or url_for(".detail", submission_id=s.id)
    if not back.startswith("/") or back.startswith("//"):   # only back into the panel
        back = url_for(".detail", submission_id=s.id)
    today = local_today()
    if s.status != "open":
        flash("这件来件已经答复，无需提醒。", "info")
        return redirect(back)
    if not confirmed():
        return ask("确认立即提醒", f"即将向{s.unit_name}发送答复提醒：它会出现在该单位的“消息”中，并通过主办系统通知。"
                   "提醒发出后不能撤回，每件来件每天只能立即提醒一次。",
                   [("来件", f"{s.kind}《{s.title}》"), ("答复单位", s.unit_name),
                    ("答复期限", f"{s.due_on.isoformat()}（{days_left(s.due_on, today)}）")],
                   "确认发送提醒", back, {"back": back})
    try:
        with work() as uow:
            ops.remind_now(uow, s, today)
    except InputError as exc:
        flash(f"未发送：{exc.message}。", "info")
    else:
        flash(f"已提醒{s.unit_name}（{today.isoformat()}）。", "success")
    return redirect(back)


@bp.route("/<int:submission_id>/replies/<int:round_>/file")
@allow(*EVERYONE)
def reply_file(submission_id: int, round_: int):
    """The signed reply as uploaded (its SHA-256 is stored with it, for an audit; not shown to clerks)."""
    s = queries.one(queries.submissions(), Submission, submission_id)
    r = db.session.scalar(select(Reply).where(Reply.submission_id == s.id, Reply.round == round_))
    blob = db.session.get(Blob, r.file_sha256) if r is not None and r.file_sha256 else None
    if blob is None:
        abort(404)
    suffix = ".pdf" if (r.file_name or "").lower().endswith(".pdf") else ".docx"
    return send_file(io.BytesIO(blob.data), as_attachment=True, download_name=download_name(
        f"复函-{r.doc_number}", suffix), mimetype="application/pdf" if suffix == ".pdf" else
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document")


@bp.route("/on-time")
@allow("admin", "auditor")
def on_time():
    """按期答复率 (review.stats.ON_TIME_DEFINITION): per unit and in all for a year received, with a bar chart
    drawn on the server (SVG, no script)."""
    today = local_today()
    years = tasks.received_years(jurisdiction().id)
    year = int_arg("year") or (years[0] if years else today.year)
    figures = tasks.on_time(jurisdiction().id, today, year)
    shown = figures["units"]
    chart = bars(f"{year}年各单位按期答复率", [(r["unit"], (r["rate"] or 0) * 100, r["text"]) for r in shown], scale=100)
    return render_template("oa_liaison/submissions/on_time.html", rows=shown, total=figures["total"], years=years,
                           year=year, definition=stats.ON_TIME_DEFINITION, chart=Markup(chart) if shown else None)
