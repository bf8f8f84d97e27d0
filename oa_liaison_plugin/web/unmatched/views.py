"""The unmatched-issuer queue: held documents grouped by issuer name; map a name once and they are routed."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select

from ...models import Document, Unit, db
from ...operations import table as ops
from ...table import file as table
from ...decision.route import reroute_unmatched
from ..access import allow, jurisdiction
from ..audit.log import work
from ..confirm import ask, confirmed
from .forms import MapForm

bp = Blueprint("unmatched", __name__, url_prefix="/unmatched")
GROUPS = 50
MAX_OFFSET = 5000
SAMPLES = 3


@bp.route("")
@allow("admin", "auditor")
def index():
    """Issuer names not in the table, most documents first, with the resolver's suggestions."""
    jur = jurisdiction()
    offset = min(request.args.get("offset", 0, type=int) or 0, MAX_OFFSET)
    offset = max(offset, 0)
    held = (Document.jurisdiction_id == jur.id, Document.status == "unmatched")
    rows = db.session.execute(
        select(Document.issuer, func.count(Document.id).label("n"),
               func.max(Document.received_at).label("last"))
        .where(*held).group_by(Document.issuer).order_by(func.count(Document.id).desc(), Document.issuer)
        .limit(GROUPS + 1).offset(offset)).all()
    more, rows = len(rows) > GROUPS, rows[:GROUPS]
    names = [r.issuer for r in rows]
    samples: dict[str, list] = {n: [] for n in names}
    recent = (select(Document.issuer, Document.id, Document.title, Document.doc_number)
              .where(*held, Document.issuer.in_(names)).order_by(Document.id.desc()).limit(500))
    for doc in db.session.execute(recent):
        if len(samples[doc.issuer]) < SAMPLES:
            samples[doc.issuer].append(doc)
    resolver = current_app.extensions["oa_liaison"].resolver(jur)
    groups = [{"issuer": r.issuer, "n": r.n, "last": r.last, "samples": samples[r.issuer],
               "suggestions": resolver.resolve(r.issuer).suggestions} for r in rows]
    units = db.session.scalars(select(Unit.name).where(Unit.jurisdiction_id == jur.id)
                               .order_by(Unit.position)).all()
    return render_template("oa_liaison/unmatched/index.html", groups=groups, units=units, offset=offset,
                           next_offset=offset + GROUPS if more and offset + GROUPS <= MAX_OFFSET else None,
                           form=MapForm(formdata=None))


@bp.route("/map", methods=["POST"])
@allow("admin")
def map_name():
    """Add the issuer name as an alias of a unit (that unit only), then route the held documents."""
    form = MapForm()
    back = redirect(url_for(".index"))
    if not form.validate_on_submit():
        flash("；".join(form.all_errors) or "请填写对应的单位", "error")
        return back
    liaison, jur = current_app.extensions["oa_liaison"], jurisdiction()
    issuer, target = form.issuer.data, form.unit.data
    found = liaison.resolver(jur).resolve(target)
    if found.unit_id is None:
        hint = f"相近的单位：{'、'.join(found.suggestions)}" if found.suggestions else "请从列表中选择"
        flash(f"对口联系表中没有单位“{target}”。{hint}", "error")
        return back
    if liaison.resolver(jur).resolve(issuer).resolved:
        routed = reroute_unmatched(liaison, jur.code)
        flash(f"“{issuer}”已能识别，无须再映射；{len(routed)} 份文件已分送。", "info")
        return back
    if not confirmed():
        held = db.session.scalar(select(func.count(Document.id)).where(
            Document.jurisdiction_id == jur.id, Document.status == "unmatched", Document.issuer == issuer))
        return ask("确认映射发文单位", f"即将把“{issuer}”登记为“{found.unit}”的别名，{held} 份暂存的文件随即按“{found.unit}”的"
                   "对口关系抄送出去，抄送后不能撤回。",
                   [("发文单位名称", issuer), ("对口联系表中的单位", found.unit), ("随即分送的文件", f"{held} 份")],
                   "确认映射并分送", url_for(".index"), {"issuer": issuer, "unit": found.unit})
    try:
        with work() as uow:
            ops.map_name(uow, jur, found.unit, issuer)
    except table.TableError as exc:
        flash(f"未能映射“{issuer}”：" + "；".join(exc.problems), "error")
        return back
    routed = reroute_unmatched(liaison, jur.code)
    flash(f"已把“{issuer}”登记为“{found.unit}”的别名；{len(routed)} 份暂存的文件已按对口关系分送。", "success")
    return back
