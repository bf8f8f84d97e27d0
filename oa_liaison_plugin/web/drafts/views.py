"""Drafts (.docx) rendered on the fly with the drafts API: reply letters, consultation letters, minutes."""
from __future__ import annotations

import io

from flask import Blueprint, abort, current_app, render_template, request, send_file
from flask_login import current_user
from sqlalchemy import select

from ... import meetings
from ...documents.drafts import DEFAULT_CC, render_consultation, render_minutes, render_reply
from ...errors import InputError
from ...meetings.record import minutes_data, seq
from ...documents.gbt9704 import parse_date
from ...replies.tasks import cohandlers, draft_fields, start_drafting
from ...models import Committee, Consultation, Document, Meeting, Submission, Unit, db
from .. import queries
from ..access import jurisdiction, allow
from ..forms import input_error, status
from ..labels import download_name, local_today
from ..models import User
from .forms import ConsultationForm, MinutesForm, ReplyForm, people_text

bp = Blueprint("drafts", __name__, url_prefix="/drafts")
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
REMEMBERED = ("signer", "contact", "phone")  # the clerk's own details, kept for the next draft


def committee_title(name: str) -> str:
    """How a letter addresses a committee: 县政协 + its name (市政协 … for a city)."""
    return meetings.committee_title(jurisdiction(), name)


def unit_title(unit_id: int | None, fallback: str) -> str:
    unit = db.session.get(Unit, unit_id) if unit_id else None
    return (unit.full_name or unit.name) if unit else fallback


def _remembered() -> dict:
    return {k: v for k, v in (current_user.prefs or {}).items() if k in REMEMBERED}


def _send(form, kind: str, render, filename: str, cc: list[str] | None = None):
    """Render the form's draft; bad input becomes an error on the field it names."""
    data = form.draft()
    if cc:
        data["cc"] = cc
    liaison = current_app.extensions["oa_liaison"]
    extra = liaison.draft_context(kind, data)
    try:
        blob = render(data, templates_dir=current_app.config["TEMPLATES_DIR"], extra_context=extra)
    except InputError as exc:
        input_error(form, exc)
        return None
    remembered = {k: data[k] for k in REMEMBERED if data.get(k)}
    if remembered:
        user = db.session.get(User, current_user.id)
        user.prefs = {**(user.prefs or {}), **remembered}
        db.session.commit()
    return send_file(io.BytesIO(blob), mimetype=DOCX, as_attachment=True, download_name=filename)


@bp.route("/reply/<int:submission_id>", methods=["GET", "POST"])
@allow("admin", "unit")
def reply(submission_id: int):
    """复函 answering a committee's submission."""
    sub = queries.one(queries.submissions(), Submission, submission_id)
    again = {k: v for k, v in draft_fields(sub).items() if k in ("previous", "rating", "opinion")}
    if "previous" in again:
        again["previous_date"] = draft_fields(sub)["previous_date"] and parse_date(draft_fields(sub)["previous_date"])
    form = ReplyForm(data=None if request.method == "POST" else {
        "unit": unit_title(sub.unit_id, sub.unit_name), "committee": committee_title(sub.committee.name),
        "kind": sub.kind, "title": sub.title, "number": sub.number or "", "received": sub.received_on,
        "date": local_today(), **again, **_remembered()})
    co = cohandlers(sub.id)
    if form.validate_on_submit():
        # The main unit copies its reply to the co-handling units (抄送), after the usual offices.
        sent = _send(form, "reply", render_reply, download_name(f"复函-{sub.title}"),
                     cc=[*DEFAULT_CC, *(c.unit_name for c in co)] if co else None)
        if sent is not None:
            if start_drafting(sub.id):
                db.session.commit()
            return sent
    return render_template("oa_liaison/drafts/form.html", form=form, kind="reply", heading="答复函草稿",
                           subject=f"{sub.kind}《{sub.title}》", due=sub.due_on, cohandlers=co), status(form)


@bp.route("/consultation/<int:consultation_id>", methods=["GET", "POST"])
@allow("admin", "unit")
def consultation(consultation_id: int):
    """征求意见函 with its 意见反馈表."""
    con = queries.one(queries.consultations(), Consultation, consultation_id)
    doc = db.session.get(Document, con.document_id)
    summary = "\n".join(p.strip() for p in (doc.body or "").splitlines() if p.strip())[:600]
    form = ConsultationForm(data=None if request.method == "POST" else {
        "unit": unit_title(doc.unit_id, doc.issuer), "committee": committee_title(con.committee.name),
        "title": doc.title or "", "summary": summary, "due": con.due_on, "date": local_today(),
        **_remembered()})
    if form.validate_on_submit():
        name = download_name(f"征求意见函-{doc.title or ''}")
        sent = _send(form, "consultation", render_consultation, name)
        if sent is not None:
            return sent
    return render_template("oa_liaison/drafts/form.html", form=form, kind="consultation", heading="征求意见函草稿",
                           subject=doc.title, due=con.due_on), status(form)


def _meeting_committee(meeting: Meeting) -> Committee | None:
    if meeting.committee_id:
        return meeting.committee
    if current_user.role == "committee":
        return db.session.get(Committee, current_user.committee_id)
    name = (meeting.invitees or [None])[0]
    return db.session.scalar(select(Committee).where(Committee.jurisdiction_id == meeting.jurisdiction_id,
                                                     Committee.name == name)) if name else None


@bp.route("/minutes/<int:meeting_id>", methods=["GET", "POST"])
@allow("admin", "committee")
def minutes(meeting_id: int):
    """纪要 of a liaison meeting."""
    meeting = queries.one(queries.meetings(), Meeting, meeting_id)
    if meeting.kind != "liaison":
        abort(404)
    committee = _meeting_committee(meeting)
    unit = db.session.get(Unit, meeting.unit_id) if meeting.unit_id else None
    prefill = {"committee": committee_title(committee.name) if committee else "", "year": meeting.held_on.year,
               "seq": seq(meeting), "held_on": meeting.held_on,
               "attendees": people_text([{"unit": unit.name, "post": "", "name": ""}] if unit else []).strip()}
    if meeting.recorded_at is not None and committee:   # the record fills everything it knows
        r = minutes_data(meeting, prefill["committee"])
        prefill.update(place=r["place"], chair=r["chair"], attendees=people_text(r["attendees"]),
                       absent=people_text(r["absent"]), topics="\n".join(r["topics"]),
                       decisions="\n".join(r["decisions"]))
    form = MinutesForm(data=None if request.method == "POST" else prefill)
    if form.validate_on_submit():
        sent = _send(form, "minutes", render_minutes, download_name(f"纪要-{meeting.title}"))
        if sent is not None:
            return sent
    return render_template("oa_liaison/drafts/form.html", form=form, kind="minutes", heading="联系会纪要草稿",
                           subject=meeting.title, due=None), status(form)
