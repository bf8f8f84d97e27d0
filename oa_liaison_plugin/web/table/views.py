"""The counterpart table (units, names, sub-units, patterns), edited through table export -> load."""
from __future__ import annotations

import io
import json
import re

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from sqlalchemy import select

from ... import jsonfile
from ...models import Committee, Counterpart, Unit, UnitName, UnitPattern, db
from ...routing import table
from ...routing.route import reroute_unmatched
from ...units import children_map, walk
from ..access import allow, get_or_404, jurisdiction
from ..audit.log import committed
from ..labels import local_today
from ..forms import choices, status
from .forms import ImportForm, PatternForm, UnitForm, former_text

bp = Blueprint("table", __name__, url_prefix="/table")
_WHERE = re.compile(r"^(units|patterns)\[(\d+)\][^.：]*(?:\.(\w+))?")


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
    links = dict(db.session.execute(select(Counterpart.unit_id, Counterpart.committee_id)
                                    .join(Unit, Unit.id == Counterpart.unit_id)
                                    .where(Unit.jurisdiction_id == jid)).all())
    children = children_map((u, u.parent_id) for u in units if u.parent_id)

    def row(u, depth):
        ns = names.get(u.id, [])
        return {"unit": u, "depth": depth, "aliases": [n.name for n in ns if n.kind == "alias"],
                "former": [n for n in ns if n.kind == "former"]}

    committees = _committees()
    groups = []
    for com in committees:
        top = [u for u in units if links.get(u.id) == com.id]
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


def _apply(form, data: dict, action: str, target: str, before, after, *, where: tuple[str, int] | None,
           rename: tuple[Unit, str] | None = None) -> bool:
    """Load the changed table (all or nothing) with its audit entry; TableError problems go on the form."""
    def change():
        # table.load bulk-deletes unit names: a Unit still holding its loaded names would re-add them.
        db.session.expire_all()
        if rename is not None:  # keep the unit's row (and the history pointing at it) across a rename
            rename[0].name = rename[1]
        table.load(data)
    try:
        committed(action, target, before, after, change)
    except table.TableError as exc:
        for problem in exc.problems:
            form.add_error(_field_of(problem, where), problem)
        return False
    routed = reroute_unmatched(current_app.extensions["oa_liaison"], jurisdiction().code)
    flash("已保存。" + (f"因此有 {len(routed)} 份待映射的文件已自动分送。" if routed else ""), "success")
    return True


def _field_of(problem: str, where: tuple[str, int] | None) -> str | None:
    m = _WHERE.match(problem)
    if not m or where is None or (m[1], int(m[2])) != where:
        return None
    if m[3]:
        return m[3]
    return "aliases" if "名称冲突" in problem else "name"


def _choices(form):
    form.committee.choices = choices([("", "（不直接对口，随所属单位）")] + [(c.name, c.name) for c in _committees()])


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
        data = table.export(jurisdiction().code)
        item = form.item()
        data["units"].append(item)
        where = ("units", len(data["units"]) - 1)
        if _apply(form, data, "table.unit.create", item["name"], None, item, where=where):
            return redirect(url_for(".index", q=item["name"]))
    return _unit_page(form, None)


@bp.route("/units/<int:unit_id>/edit", methods=["GET", "POST"])
@allow("admin")
def unit_edit(unit_id: int):
    """Change a unit's names, committee or parent."""
    unit = get_or_404(Unit, unit_id)
    data = table.export(jurisdiction().code)
    index = _find(data["units"], unit.name)
    before = data["units"][index]
    form = UnitForm(data=None if request.method == "POST" else {
        **before, "aliases": "\n".join(before.get("aliases", [])),
        "former_names": former_text(before.get("former_names", []))})
    _choices(form)
    if form.validate_on_submit():
        item = form.item()
        old, rename = unit.name, None
        if item["name"] != old:
            rename = (unit, item["name"])
            for u in data["units"]:
                if u.get("parent") == old:
                    u["parent"] = item["name"]
            if not any(f["name"] == old for f in item.get("former_names", [])):  # the old name still resolves
                item.setdefault("former_names", []).append({"name": old, "until": local_today().isoformat()})
        data["units"][index] = item
        if _apply(form, data, "table.unit.update", old, before, item, where=("units", index), rename=rename):
            return redirect(url_for(".index", q=item["name"]))
    return _unit_page(form, unit)


@bp.route("/units/<int:unit_id>/delete", methods=["POST"])
@allow("admin")
def unit_delete(unit_id: int):
    """Remove a unit (refused while sub-units still name it as their parent)."""
    unit = get_or_404(Unit, unit_id)
    data = table.export(jurisdiction().code)
    before = data["units"][_find(data["units"], unit.name)]
    data["units"] = [u for u in data["units"] if u["name"] != unit.name]
    form = UnitForm(formdata=None)
    if _apply(form, data, "table.unit.delete", unit.name, before, None, where=None):
        return redirect(url_for(".index"))
    flash("未能删除：" + "；".join(form.form_errors), "error")
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
        data = table.export(jurisdiction().code)
        item = form.item()
        data.setdefault("patterns", []).append(item)
        if _apply(form, data, "table.pattern.create", item["name"], None, item,
                  where=("patterns", len(data["patterns"]) - 1)):
            return redirect(url_for(".index") + "#patterns")
    return render_template("oa_liaison/table/pattern_form.html", form=form, pattern=None), status(form)


def _pattern(name: str) -> UnitPattern:
    # Patterns are addressed by name: table.load recreates their rows, so ids do not last.
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
    data = table.export(jurisdiction().code)
    index = _find(data["patterns"], pattern.name)
    before = data["patterns"][index]
    form = PatternForm(data=None if request.method == "POST" else before)
    _pattern_choices(form)
    if form.validate_on_submit():
        item = form.item()
        data["patterns"][index] = item
        if _apply(form, data, "table.pattern.update", pattern.name, before, item, where=("patterns", index)):
            return redirect(url_for(".index") + "#patterns")
    return render_template("oa_liaison/table/pattern_form.html", form=form, pattern=pattern), status(form)


@bp.route("/patterns/<path:name>/delete", methods=["POST"])
@allow("admin")
def pattern_delete(name: str):
    """Remove a name pattern."""
    pattern = _pattern(name)
    data = table.export(jurisdiction().code)
    before = data["patterns"][_find(data["patterns"], pattern.name)]
    data["patterns"] = [p for p in data["patterns"] if p["name"] != pattern.name]
    form = PatternForm(formdata=None)
    if not _apply(form, data, "table.pattern.delete", pattern.name, before, None, where=None):
        flash("未能删除：" + "；".join(form.form_errors), "error")
    return redirect(url_for(".index") + "#patterns")


@bp.route("/export")
@allow("admin", "auditor")
def export():
    """Download the table as a file (the format `oa-liaison table load` and the import below read)."""
    jur = jurisdiction()
    body = json.dumps(table.export(jur.code), ensure_ascii=False, indent=2).encode("utf-8")
    return send_file(io.BytesIO(body), mimetype="application/json", as_attachment=True,
                     download_name=f"对口联系表-{jur.code}.json")


@bp.route("/import", methods=["GET", "POST"])
@allow("admin")
def import_():
    """Replace the whole table from a file; every problem is listed and nothing changes unless all is well."""
    form = ImportForm()
    if form.validate_on_submit():
        raw = form.file.data.read()
        try:
            data = jsonfile.loads(raw, "文件")
        except jsonfile.JsonError as exc:
            form.add_error("file", str(exc))
        else:
            jur = jurisdiction()
            if isinstance(data, dict) and isinstance(data.get("jurisdiction"), dict) \
                    and data["jurisdiction"].get("code") != jur.code:
                form.add_error("file", f"文件属于行政区“{data['jurisdiction'].get('code')}”，不是本行政区“{jur.code}”")
            elif _apply(form, data, "table.import", jur.code, table.export(jur.code), data, where=None):
                return redirect(url_for(".index"))
    return render_template("oa_liaison/table/import.html", form=form), status(form)


def _find(items: list[dict], name: str) -> int:
    index = next((i for i, x in enumerate(items) if x["name"] == name), None)
    if index is None:  # removed between the page being opened and the export
        abort(404)
    return index
