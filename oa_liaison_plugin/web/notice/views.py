"""Import the counterpart table from a liaison notice: paste or upload, compare, apply (audited), roll back."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for

from ...operations import table as ops
from ...routing import notice, table, table_versions
from ...routing.route import reroute_unmatched
from ..access import allow, jurisdiction
from ..audit.log import work
from ..forms import status
from .forms import ApplyForm, NoticeForm, RollbackForm

bp = Blueprint("notice", __name__, url_prefix="/table/notice")


def _review(text: str) -> dict:
    """The parsed notice, the table it makes and its difference from the current table."""
    parsed = notice.parse(text)
    code = jurisdiction().code
    current = table.export(code)
    new = notice.to_table(parsed, code, base=current)
    return {"parsed": notice.public(parsed), "diff": notice.diff(current, new), "current": current, "new": new,
            "blocking": notice.blocking(parsed)}


def _page(form, review=None, apply_form=None):
    return render_template("oa_liaison/notice/index.html", form=form, review=review,
                           apply_form=apply_form or ApplyForm(),
                           versions=table_versions.versions(jurisdiction().code)[:10],
                           rollback_form=RollbackForm()), status(form)


@bp.route("", methods=["GET", "POST"])
@allow("admin")
def index():
    """Paste or upload a notice; its table is shown beside the current one with the differences."""
    form = NoticeForm()
    if form.validate_on_submit():
        try:
            if form.file.data:
                text = notice.read_notice(form.file.data.read(), form.file.data.filename or "")
            else:
                text = form.text.data or ""
            review = _review(text)
        except notice.NoticeError as exc:
            form.add_error("text", str(exc))
        else:
            apply_form = ApplyForm(formdata=None, text=text)
            return _page(form, review, apply_form)
    elif not form.errors and form.is_submitted():
        form.add_error("text", "请粘贴通知正文或上传文件")
    return _page(form)


@bp.route("/apply", methods=["POST"])
@allow("admin")
def apply():
    """Load the reviewed notice's table as the next version (all or nothing), with its audit entry."""
    form = ApplyForm()
    if form.validate_on_submit():
        code = jurisdiction().code
        try:
            parsed = notice.parse(form.text.data)
            with work() as uow:
                version = ops.import_notice(uow, parsed, code).table_version
        except (notice.NoticeError, table.TableError) as exc:
            form.add_error("text", str(exc))
        else:
            routed = reroute_unmatched(current_app.extensions["oa_liaison"], code)
            flash(f"已按通知导入，现为第 {version} 版对口联系表。"
                  + (f"因此有 {len(routed)} 份待映射的文件已自动分送。" if routed else ""), "success")
            return redirect(url_for("table.index"))
    return _page(NoticeForm(formdata=None), None, form)[0], 400


@bp.route("/rollback", methods=["POST"])
@allow("admin")
def rollback():
    """Make the previous saved version the table again (a new version; the history stays)."""
    form = RollbackForm()
    if form.validate_on_submit():
        code = jurisdiction().code
        try:
            with work() as uow:
                version = ops.rollback(uow, code).table_version
        except LookupError as exc:
            flash(str(exc), "error")
        else:
            flash(f"已回退，现为第 {version} 版对口联系表。", "success")
    else:
        flash("表单已过期，请重试。", "error")
    return redirect(url_for(".index"))
