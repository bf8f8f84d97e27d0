"""Liaison leaders (五(二)): each unit's named leader, the units without one, history, and the filing report."""
from __future__ import annotations

import io

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from ...errors import InputError
from ...meetings.filing import leaders_report
from ...meetings.people import history, leaders_by_unit
from ...models import Unit
from ...operations import meetings as ops
from .. import queries
from ..access import allow, committee_id, get_or_404, jurisdiction, unit_ids
from ..audit.log import work
from ..drafts.views import DOCX
from ..export import Column, Sheet, send_xlsx
from ..forms import input_error, status as form_status
from ..labels import download_name, local_today
from .forms import LeaderForm

bp = Blueprint("leaders", __name__, url_prefix="/leaders")


def _rows() -> list:
    """(unit, leader or None) for the units the user may see: a unit its own, a committee its units."""
    rows = leaders_by_unit(current_user.jurisdiction_id)
    if current_user.role == "unit":
        rows = [r for r in rows if r[0].id in unit_ids()]
    elif current_user.role == "committee":
        mine = set(queries.committee_unit_ids(committee_id())) if committee_id() else set()
        rows = [r for r in rows if r[0].id in mine]
    return rows


@bp.route("")
@allow("admin", "unit", "committee", "auditor")
def index():
    """Units with their liaison leader; those without one first."""
    rows = _rows()
    missing = [u for u, lead in rows if lead is None]
    return render_template("oa_liaison/leaders/index.html", rows=rows, missing=missing)


@bp.route("/export.xlsx")
@allow("admin", "unit", "committee", "auditor")
def export():
    """The units the page shows with their leaders (none: left blank), as an Excel sheet."""
    columns = [Column("单位", 26), Column("分管领导", 12), Column("职务", 20), Column("联系电话", 16), Column("起始", 12)]
    rows = [(u.name, *((lead.name, lead.post, lead.phone, lead.since) if lead else ("", "", "", None)))
            for u, lead in _rows()]
    return send_xlsx(f"对口联系分管领导（{local_today().isoformat()}）", [Sheet("分管领导", columns, rows)])


def _editable(unit_id: int) -> Unit:
    unit = get_or_404(Unit, unit_id)
    if current_user.role == "unit" and unit.id not in unit_ids():
        abort(404)
    return unit


@bp.route("/<int:unit_id>", methods=["GET", "POST"])
@allow("admin", "unit")
def edit(unit_id: int):
    """Name (or change) the unit's liaison leader; the previous one stays in the history."""
    unit = _editable(unit_id)
    past = history(unit.id)
    current = next((x for x in past if x.until is None), None)
    form = LeaderForm(data=None if request.method == "POST" else {
        "name": current.name if current else "", "post": current.post if current else "",
        "phone": current.phone if current else "", "since": local_today()})
    if form.validate_on_submit():
        data = {"unit": unit.name, "name": form.name.data, "post": form.post.data, "phone": form.phone.data,
                "since": form.since.data}
        try:
            with work() as uow:
                ops.set_leader(uow, jurisdiction(), data, local_today())
        except InputError as exc:
            input_error(form, exc)
        else:
            flash(f"已记录{unit.name}的分管领导：{form.post.data} {form.name.data}。", "success")
            return redirect(url_for(".index"))
    return render_template("oa_liaison/leaders/form.html", form=form, unit=unit, past=past), form_status(form)


@bp.route("/report.docx")
@allow("admin", "auditor")
def report():
    """The filing report to 县委办公室, 县政府办公室 and 县政协办公室."""
    blob, _ = leaders_report(jurisdiction(), date=local_today(), templates_dir=current_app.config["TEMPLATES_DIR"])
    return send_file(io.BytesIO(blob), mimetype=DOCX, as_attachment=True,
                     download_name=download_name("对口联系工作分管领导名单报备函"))
