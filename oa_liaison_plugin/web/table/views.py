"""The counterpart table (units, names, sub-units, patterns): one unit or pattern changed at a time (table_ops);
a whole file imported or exported (table)."""
from __future__ import annotations

import io
import json

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from sqlalchemy import func, select

from ... import jsonfile
from ...errors import InputError
from ...models import Committee, Counterpart, Document, Unit, UnitName, UnitPattern, db
from ...operations import table as ops_table
from ...table import file as table, notice
from ...table import ops
from ...decision.route import reroute_unmatched
from ...table.units import children_map, walk
from ...versions import claim
from ..access import allow, get_or_404, jurisdiction
from ..audit.log import work
from ..confirm import ask, confirmed
from ..conflict import conflict_on_stale
from ..export import Column, Sheet, send_xlsx
from ..labels import local_today
from ..forms import choices, status
from ..notice.views import to_tick
from .forms import ImportApplyForm, ImportForm, PatternForm, UnitForm, former_text

bp = Blueprint("table", __name__, url_prefix="/table")


def _committees() -> list[Committee]:
    return db.session.scalars(select(Committee).where(Committee.jurisdiction_id == jurisdiction().id)
                              .order_by(Committee.position)).all()


def _overview(q: str) -> dict:
    """The table as the page shows it: committees, each with its units and their sub-units."""
    jid = jurisdiction().id
    units = db.session.scalars(select(Unit).where(Unit.jurisdiction_id == jid).order_by(Unit.position)).all()
    names: dict[int, list[UnitName]] = {}
    for n in db.session.scalars(select(UnitName).where(UnitName.jurisdiction_id == jid)
                                .order_by(UnitName.id)):
        names.setdefault(n.unit_id, []).append(n)
    links: dict[int, set[int]] = {}   # a merged unit stands under each of its committees
    for unit_id, committee_id in db.session.execute(select(Counterpart.unit_id, Counterpart.committee_id)
                                                    .join(Unit, Unit.id == Counterpart.unit_id)
                                                    .where(Unit.jurisdiction_id == jid)):
        links.setdefault(unit_id, set()).add(committee_id)
    children = children_map((u, u.parent_id) for u in units if u.parent_id)

    def row(u, depth):
        ns = names.get(u.id, [])
        return {"unit": u, "depth": depth, "aliases": [n.name for n in ns if n.kind == "alias"],
                "former": [n for n in ns if n.kind == "former"]}

    committees = _committees()
    groups = []
    for com in committees:
        top = [u for u in units if com.id in links.get(u.id, ())]
        rows = [row(u, depth) for u, depth in walk(top, lambda u: children.get(u.id, ()))]
        groups.append({"committee": com, "rows": rows})
    orphans = [row(u, 0) for u in units if u.id not in links and u.parent_id is None]
    if q:
        key = q.lower()
        for grp in groups:
            grp["rows"] = [r for r in grp["rows"] if key in " ".join([
                r["unit"].name, r["unit"].full_name or "", *r["aliases"], *(f.name for f in r["former"])
            ]).lower()]
    patterns = db.session.scalars(select(UnitPattern).where(UnitPattern.jurisdiction_id == jid)
                                  .order_by(UnitPattern.position)).all()
    return {"groups": groups, "orphans": orphans, "patterns": patterns, "unit_count": len(units)}


@bp.route("")
@allow("admin", "auditor")
def index():
    """The whole table, grouped by committee, with a name filter."""
    q = request.args.get("q", "").strip()[:64]
    return render_template("oa_liaison/table/index.html", q=q, **_overview(q))


def _save(form, action: str, target: str, before, change) -> bool:
    """One change and its audit entry (``change`` returns the after state) in one commit; a refused change
    puts each problem on the field it names (else above the form)."""
    try:
        with work() as uow:
            ops_table.change(uow, jurisdiction(), action, target, before, change)
    except table.TableError as exc:
        for p in exc.errors:
            if not p.field:
                form.add_error(None, str(p))
            else:
                form.add_error(p.field, str(p) if "[" in p.where else p.message)
        return False
    routed = reroute_unmatched(current_app.extensions["oa_liaison"], jurisdiction().code)
    flash("已保存。" + (f"因此有 {len(routed)} 份待映射的文件已自动分送。" if routed else ""), "success")
    return True


def _choices(form):
    names = [(c.name, c.name) for c in _committees()]
    form.committee.choices = choices([("", "（不直接对口，随所属单位）")] + names)
    form.more_committees.choices = choices(names)


def _unit_names() -> list[str]:
    return db.session.scalars(select(Unit.name).where(Unit.jurisdiction_id == jurisdiction().id)
                              .order_by(Unit.position)).all()


def _unit_page(form, unit):
    page = render_template("oa_liaison/table/unit_form.html", form=form, unit=unit, unit_names=_unit_names())
    return page, status(form)


@bp.route("/units/new", methods=["GET", "POST"])
@allow("admin")
def unit_new():
    """Add a unit."""
    form = UnitForm()
    _choices(form)
    if form.validate_on_submit():
        item = form.item()
        if _save(form, "table.unit.create", item["name"], None,
                 lambda: ops.unit_spec(ops.create_unit(jurisdiction(), item))):
            return redirect(url_for(".index", q=item["name"]))
    return _unit_page(form, None)


@bp.route("/units/<int:unit_id>/edit", methods=["GET", "POST"])
@allow("admin")
def unit_edit(unit_id: int):
    """Change a unit's names, committee or parent (that unit only)."""
    unit = get_or_404(Unit, unit_id)
    before = ops.unit_spec(unit)
    linked = before.get("committees") or ([before["committee"]] if before.get("committee") else [])
    form = UnitForm(data=None if request.method == "POST" else {
        **before, "committee": linked[0] if linked else "", "more_committees": linked[1:],
        "aliases": "\n".join(before.get("aliases", [])),
        "former_names": former_text(before.get("former_names", [])), "version": unit.version})
    _choices(form)
    if form.validate_on_submit():
        item, old = form.item(), unit.name

        def change():
            claim(Unit, unit.id, form.version.data)
            return ops.unit_spec(ops.update_unit(unit, item, today=local_today()))

        with conflict_on_stale(f"单位“{old}”", lambda: ops.unit_spec(get_or_404(Unit, unit_id)), item,
                               url_for(".unit_edit", unit_id=unit_id)):
            saved = _save(form, "table.unit.update", old, before, change)
        if saved:
            return redirect(url_for(".index", q=item["name"]))
    return _unit_page(form, unit)


@bp.route("/units/<int:unit_id>/delete", methods=["POST"])
@allow("admin")
def unit_delete(unit_id: int):
    """Remove a unit (refused while sub-units still name it as their parent)."""
    unit = get_or_404(Unit, unit_id)
    if not confirmed():
        held = db.session.scalar(select(func.count(Document.id)).where(Document.unit_id == unit.id))
        return ask("确认删除单位", f"即将从对口联系表删除“{unit.name}”。删除后，主办系统再以此名称发文将“待映射”。",
                   [("单位", unit.name), ("全称", unit.full_name or "—"), ("本单位已有文件", f"{held} 份（保留，但不再关联到本单位）")],
                   f"确认删除“{unit.name}”", url_for(".unit_edit", unit_id=unit.id))
    before, form = ops.unit_spec(unit), UnitForm(formdata=None)
    if _save(form, "table.unit.delete", unit.name, before, lambda: ops.delete_unit(unit)):
        return redirect(url_for(".index"))
    flash("未能删除：" + "；".join(form.all_errors), "error")
    return redirect(url_for(".unit_edit", unit_id=unit_id))


def _pattern_choices(form):
    form.committee.choices = choices([("", "请选择")] + [(c.name, c.name) for c in _committees()])


@bp.route("/patterns/new", methods=["GET", "POST"])
@allow("admin")
def pattern_new():
    """Add a name pattern (an open group of units such as 各中小学校)."""
    form = PatternForm()
    _pattern_choices(form)
    if form.validate_on_submit():
        item = form.item()
        if _save(form, "table.pattern.create", item["name"], None,
                 lambda: ops.pattern_spec(ops.create_pattern(jurisdiction(), item))):
            return redirect(url_for(".index") + "#patterns")
    return render_template("oa_liaison/table/pattern_form.html", form=form, pattern=None), status(form)


def _pattern(name: str) -> UnitPattern:
    # Addressed by name: a table import recreates pattern rows, so their ids do not last.
    pattern = db.session.scalar(select(UnitPattern).where(UnitPattern.jurisdiction_id == jurisdiction().id,
                                                          UnitPattern.name == name))
    if pattern is None:
        abort(404)
    return pattern


@bp.route("/patterns/<path:name>/edit", methods=["GET", "POST"])
@allow("admin")
def pattern_edit(name: str):
    """Change a name pattern."""
    pattern = _pattern(name)
    before = ops.pattern_spec(pattern)
    form = PatternForm(data=None if request.method == "POST" else {**before, "version": pattern.version})
    _pattern_choices(form)
    if form.validate_on_submit():
        item = form.item()
        with conflict_on_stale(f"名称规则“{pattern.name}”", lambda: ops.pattern_spec(_pattern(name)), item,
                               url_for(".pattern_edit", name=name)):
            saved = _save(form, "table.pattern.update", pattern.name, before,
                          lambda: ops.pattern_spec(ops.update_pattern(pattern, item, version=form.version.data)))
        if saved:
            return redirect(url_for(".index") + "#patterns")
    return render_template("oa_liaison/table/pattern_form.html", form=form, pattern=pattern), status(form)


@bp.route("/patterns/<path:name>/delete", methods=["POST"])
@allow("admin")
def pattern_delete(name: str):
    """Remove a name pattern."""
    pattern = _pattern(name)
    if not confirmed():
        return ask("确认删除名称规则", f"即将删除名称规则“{pattern.name}”：符合它的单位以后发文将“待映射”。",
                   [("名称", pattern.name), ("对口委员会", pattern.committee.name)], f"确认删除“{pattern.name}”",
                   url_for(".pattern_edit", name=name))
    form = PatternForm(formdata=None)
    if not _save(form, "table.pattern.delete", pattern.name, ops.pattern_spec(pattern),
                 lambda: ops.delete_pattern(pattern)):
        flash("未能删除：" + "；".join(form.all_errors), "error")
    return redirect(url_for(".index") + "#patterns")


@bp.route("/export")
@allow("admin", "auditor")
def export():
    """Download the table as a file (the format `oa-liaison table load` and the import below read)."""
    jur = jurisdiction()
    body = json.dumps(table.export(jur.code), ensure_ascii=False, indent=2).encode("utf-8")
    return send_file(io.BytesIO(body), mimetype="application/json", as_attachment=True,
                     download_name=f"对口联系表-{jur.code}.json")


@bp.route("/export.xlsx")
@allow("admin", "auditor")
def export_xlsx():
    """The table as the page shows it (same name filter), as an Excel workbook to read and print."""
    view = _overview(request.args.get("q", "").strip()[:64])
    units = [(g["committee"].name, ("└ " if r["depth"] else "") + r["unit"].name, r["unit"].full_name or "",
              "、".join(r["aliases"]), "、".join(f.name for f in r["former"])) for g in view["groups"] for r in g["rows"]]
    patterns = [(p.name, p.committee.name, p.regex, p.note or "") for p in view["patterns"]]
    return send_xlsx(f"对口联系表（{local_today().isoformat()}）", [
        Sheet("对口联系表", [Column("对口委员会", 24), Column("单位", 24), Column("全称", 32), Column("别名", 40),
                            Column("曾用名", 30)], units),
        Sheet("名称规则", [Column("名称", 20), Column("对口委员会", 24), Column("正则表达式", 40), Column("说明", 40)], patterns)])


@bp.route("/import", methods=["GET", "POST"])
@allow("admin")
def import_():
    """Replace the whole table from a file: every problem is listed and nothing changes unless all is well; a
    file that is well is shown against the present table first, and only the confirmed POST (every removal,
    rename and move ticked) loads it."""
    if request.method == "POST" and confirmed():
        return _apply_import()
    form = ImportForm()
    if form.validate_on_submit():
        data = _table_of(form, "file", form.file.data.read())
        if data is not None:
            return _confirm_import(data, ImportApplyForm(formdata=None, text=json.dumps(data, ensure_ascii=False)))
    return render_template("oa_liaison/table/import.html", form=form), status(form)


def _table_of(form, field: str, raw) -> dict | None:
    """The uploaded (or carried) file as a table of this jurisdiction, checked whole; None with the problems
    put on the form."""
    try:
        data = jsonfile.loads(raw, "文件")
    except InputError as exc:
        form.add_error(field, str(exc))
        return None
    jur = jurisdiction()
    if isinstance(data, dict) and isinstance(data.get("jurisdiction"), dict) \
            and data["jurisdiction"].get("code") != jur.code:
        form.add_error(field, f"文件属于另一个行政区（{data['jurisdiction'].get('name') or '未写名称'}），"
                              f"不是本行政区“{jur.name}”")
        return None
    try:
        table.validate(data)
    except table.TableError as exc:
        for p in exc.errors:
            form.add_error(None, str(p))
        return None
    return data


def _confirm_import(data: dict, form, code: int = 200):
    """The confirmation page: the file's table against the present one, each loss a box to tick."""
    diff = notice.diff(table.export(jurisdiction().code), data)
    return render_template("oa_liaison/table/confirm_import.html", form=form, diff=diff,
                           changes=to_tick(diff)), code


def _apply_import():
    """The confirmed POST: check the carried file again, refuse while a loss is unticked, then load it."""
    form = ImportApplyForm()
    upload = ImportForm(formdata=None)
    if not form.validate_on_submit():
        upload.add_error("file", "；".join(form.all_errors) or "请重新选择文件")
        return render_template("oa_liaison/table/import.html", form=upload), 400
    data = _table_of(upload, "file", form.text.data)
    if data is None:
        return render_template("oa_liaison/table/import.html", form=upload), 400
    unticked = [c for c in to_tick(notice.diff(table.export(jurisdiction().code), data))
                if c not in request.form.getlist("change")]
    if unticked:
        form.add_error(None, "以下变动尚未逐项勾选确认，未导入：" + "；".join(unticked))
        return _confirm_import(data, form, 400)
    try:
        with work() as uow:
            version = ops_table.load(uow, data, note="从文件导入").table_version
    except table.TableError as exc:
        for p in exc.errors:
            upload.add_error(None, str(p))
        return render_template("oa_liaison/table/import.html", form=upload), 400
    routed = reroute_unmatched(current_app.extensions["oa_liaison"], jurisdiction().code)
    flash(f"已导入，现为第 {version} 版对口联系表（导入前的表已保存，可在“从通知导入”页回退）。"
          + (f"因此有 {len(routed)} 份待映射的文件已自动分送。" if routed else ""), "success")
    return redirect(url_for(".index"))
