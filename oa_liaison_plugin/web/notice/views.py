"""Import the counterpart table from a liaison notice: paste or upload, compare, apply (audited), roll back."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from ...operations import table as ops
from ...table import notice, file as table, versions as table_versions
from ...decision.route import reroute_unmatched
from ..access import allow, jurisdiction
from ..audit.log import work
from ..forms import status
from .forms import ApplyForm, NoticeForm, RollbackForm

bp = Blueprint("notice", __name__, url_prefix="/table/notice")


def _review(text: str) -> dict:
    """The parsed notice, the table it makes, its difference from the current table, and each change that
    loses something (a removal, rename or move) for the administrator to tick."""
    parsed = notice.parse(text)
    code = jurisdiction().code
    current = table.export(code)
    new = notice.to_table(parsed, code, base=current)
    diff = notice.diff(current, new)
    return {"parsed": notice.public(parsed), "diff": diff, "current": current, "new": new,
            "blocking": notice.blocking(parsed), "former": notice.former_used(parsed, current),
            "changes": to_tick(diff)}


def to_tick(d: dict) -> list[str]:
    """What the import would remove, rename or move, one line each: each must be ticked before it is applied."""
    return [*(f"删除单位：{n}" for n in d["removed"]), *(f"改名：{r['from']} → {r['to']}" for r in d["renamed"]),
            *(f"改变对口：{m['name']}：{m['from'] or '无'} → {m['to'] or '无'}" for m in d["moved"]),
            *(f"删除委员会：{c}" for c in d["committees_removed"]),
            *(f"删除开放范围：{p}" for p in d["patterns_removed"])]


def _page(form, review=None, apply_form=None):
    return render_template("oa_liaison/notice/index.html", form=form, review=review,
                           apply_form=apply_form or ApplyForm(),
                           versions=table_versions.versions(jurisdiction().code)[:10],
                           current_version=jurisdiction().table_version), status(form)


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
    """Load the reviewed notice's table as the next version (all or nothing), with its audit entry, once every
    removal, rename and move it makes has been ticked."""
    form = ApplyForm()
    if form.validate_on_submit():
        code = jurisdiction().code
        try:
            review = _review(form.text.data)
            unticked = [c for c in review["changes"] if c not in request.form.getlist("change")]
            if unticked:
                form.add_error("text", "以下变动尚未逐项勾选确认，未导入：" + "；".join(unticked))
                return _page(NoticeForm(formdata=None), review, form)[0], 400
            with work() as uow:
                version = ops.import_notice(uow, notice.parse(form.text.data), code).table_version
        except (notice.NoticeError, table.TableError) as exc:
            form.add_error("text", str(exc))
        else:
            routed = reroute_unmatched(current_app.extensions["oa_liaison"], code)
            flash(f"已按通知导入，现为第 {version} 版对口联系表。"
                  + (f"因此有 {len(routed)} 份待映射的文件已自动分送。" if routed else ""), "success")
            return redirect(url_for("table.index"))
    return _page(NoticeForm(formdata=None), None, form)[0], 400


@bp.route("/rollback", methods=["GET", "POST"])
@allow("admin")
def rollback():
    """回退: the administrator names the saved version to return to and sees what it changes on a confirmation
    page; only the confirmed POST makes it the table again (a new version; the history stays)."""
    form = RollbackForm(request.form if request.method == "POST" else request.args)
    code = jurisdiction().code
    target = next((v for v in table_versions.restorable(code) if v.version == form.to.data), None)
    if target is None:
        flash("请在“版本”表中选择要回退到的那一版。", "error")
        return redirect(url_for(".index"))
    if request.method == "GET" or form.confirmed.data != "1" or not form.validate():
        form.confirmed.data = "1"
        return render_template("oa_liaison/notice/confirm_rollback.html", form=form, target=target,
                               current_version=jurisdiction().table_version,
                               diff=notice.diff(table.export(code), target.data))
    try:
        with work() as uow:
            version = ops.rollback(uow, code, to=target.version).table_version
    except LookupError as exc:
        flash(str(exc), "error")
    else:
        flash(f"已回退到第 {target.version} 版的内容，现为第 {version} 版对口联系表。", "success")
    return redirect(url_for(".index"))
