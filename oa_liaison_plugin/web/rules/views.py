"""Qualification and content rules: list, edit, enable/disable and order, through decision.ruleset."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from ...models import Committee, db
from ...operations import rules as ops
from ...decision import ruleset
from ...errors import InputError
from ..access import allow, jurisdiction
from ..audit.log import work
from ..conflict import conflict_on_stale
from ..export import Column, Sheet, send_xlsx
from ..forms import choices, input_error, status
from ..labels import RULE_ACTION, RULE_FIELD, RULE_MATCH, local_today
from .forms import RuleForm

bp = Blueprint("rules", __name__, url_prefix="/rules")
FIELD_OF = {"fields": "fields_"}  # decision.rules field names -> form fields


def _rules() -> list[dict]:
    return ruleset.rules_of(jurisdiction())


def _rule(rule_id: str) -> dict:
    rule = next((r for r in _rules() if r["id"] == rule_id), None)
    if rule is None:
        abort(404)
    return rule


def _committee_choices(form):
    names = db.session.scalars(select(Committee.name).where(Committee.jurisdiction_id == jurisdiction().id)
                               .order_by(Committee.position)).all()
    form.committee.choices = choices([("", "（不加送）")] + [(n, n) for n in names])


@bp.route("")
@allow("admin", "auditor")
def index():
    """Every rule in the order it is applied."""
    action = request.args.get("action", "")
    rules = [r for r in _rules() if not action or r.get("action") == action]
    return render_template("oa_liaison/rules/index.html", rules=rules, action=action, actions=RULE_ACTION)


@bp.route("/export.xlsx")
@allow("admin", "auditor")
def export():
    """The rules as listed (same filter), every term and pattern in full, as an Excel sheet."""
    action = request.args.get("action", "")
    rows = [(r["order"], r["name"], RULE_ACTION.get(r["action"], ""), r.get("committee") or "",
             "、".join(RULE_FIELD.get(f, f) for f in r.get("fields", [])), RULE_MATCH.get(r.get("match"), ""),
             "是" if r.get("negate") else "",
             r.get("pattern") if r.get("match") == "regex" else "、".join(r.get("terms", [])),
             "启用" if r.get("enabled") else "停用")
            for r in _rules() if not action or r.get("action") == action]
    columns = [Column("顺序", 6), Column("名称", 24), Column("命中后", 20), Column("加送委员会", 20),
               Column("查找范围", 18), Column("匹配方式", 12), Column("反向", 6), Column("词语或正则", 60), Column("状态", 6)]
    return send_xlsx(f"分送规则（{local_today().isoformat()}）", [Sheet("分送规则", columns, rows)])


def _save(form: RuleForm, before: dict | None) -> bool:
    """Save the form's rule (a new one gets its id from the program); a rule changed since its form was loaded
    raises versions.Stale, nothing saved."""
    rule = {**form.rule(), **({"id": before["id"]} if before is not None else {})}
    # What a form leaves empty, said in the form's words (decision.rules speaks of a rule file's keys).
    missing = [("committee", "请选择要加送的委员会") if rule["action"] == "committee" and not rule.get("committee")
               else None,
               ("pattern", "请填写正则表达式") if rule["match"] == "regex" and not rule.get("pattern") else None,
               ("terms", "请至少填写一个词语（每行一个）") if rule["match"] != "regex" and not rule.get("terms")
               else None]
    for field, message in filter(None, missing):
        form.add_error(field, message)
    if any(missing):
        return False
    try:
        with work() as uow:
            ops.save(uow, jurisdiction(), rule, before=before, version=form.version.data)
    except InputError as exc:
        input_error(form, exc, FIELD_OF)
        return False
    flash(f"规则“{rule['name']}”已保存，下一份文件起生效。", "success")
    return True


@bp.route("/new", methods=["GET", "POST"])
@allow("admin")
def new():
    """Add a rule."""
    orders = [r.get("order", 0) for r in _rules()]
    form = RuleForm(data=None if request.method == "POST" else {"order": max(orders, default=0) + 10,
                                                                 "fields_": ["title"], "enabled": True})
    _committee_choices(form)
    if form.validate_on_submit() and _save(form, None):
        return redirect(url_for(".index"))
    return render_template("oa_liaison/rules/form.html", form=form, rule=None), status(form)


@bp.route("/<path:rule_id>/edit", methods=["GET", "POST"])
@allow("admin")
def edit(rule_id: str):
    """Change a rule (its id stays)."""
    before = _rule(rule_id)
    form = RuleForm(data=None if request.method == "POST" else {
        **RuleForm.data_of(before), "version": ruleset.version_of(jurisdiction(), rule_id)})
    _committee_choices(form)
    if form.validate_on_submit():
        with conflict_on_stale(f"规则“{before['name']}”", lambda: _rule(rule_id), form.rule(),
                               url_for(".edit", rule_id=rule_id)):
            saved = _save(form, before)
        if saved:
            return redirect(url_for(".index") + f"#rule-{rule_id}")
    return render_template("oa_liaison/rules/form.html", form=form, rule=before), status(form)


@bp.route("/<path:rule_id>/toggle", methods=["POST"])
@allow("admin")
def toggle(rule_id: str):
    """Enable or disable a rule."""
    _rule(rule_id)
    with work() as uow:
        after = ops.toggle(uow, jurisdiction(), rule_id)
    flash(f"规则“{after['name']}”已{'启用' if after['enabled'] else '停用'}。", "success")
    return redirect(url_for(".index") + f"#rule-{rule_id}")


@bp.route("/<path:rule_id>/move", methods=["POST"])
@allow("admin")
def move(rule_id: str):
    """Move a rule one place up or down (swaps its order with the neighbour's)."""
    _rule(rule_id)
    with work() as uow:
        ops.move(uow, jurisdiction(), rule_id, request.form.get("direction"))
    return redirect(url_for(".index") + f"#rule-{rule_id}")
