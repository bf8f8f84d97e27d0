"""The rule form: one qualification or content rule, as decision.rules validates it."""
from __future__ import annotations

from wtforms import (BooleanField, HiddenField, IntegerField, SelectField, SelectMultipleField, StringField,
                     TextAreaField)
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..forms import Form, choices, lines
from ..labels import RULE_ACTION, RULE_FIELD, RULE_MATCH


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class RuleForm(Form):
    version = HiddenField()   # the rule's version when the form was loaded
    name = StringField("名称", validators=[DataRequired("请填写名称"), Length(max=200)])
    # No default: 提请人大审议（抄送） first in the list would copy documents out for a careless save.
    action = SelectField("命中后", choices=choices([("", "（请选择）"), *RULE_ACTION.items()]),
                         validators=[DataRequired("请选择命中后如何处理")])
    committee = SelectField("加送的委员会（“加送指定委员会”时必选）", choices=[])
    match = SelectField("匹配方式", choices=choices(RULE_MATCH.items()))
    fields_ = CheckboxesField("在哪里查找", choices=choices(RULE_FIELD.items()),
                              validators=[DataRequired("至少选一处")])
    terms = TextAreaField("词语（每行一个）", validators=[Length(max=20000)])
    pattern = StringField("正则表达式（匹配方式为“正则表达式”时填写）", validators=[Length(max=500)])
    negate = BooleanField("反向：不含这些词语时才算命中")
    enabled = BooleanField("启用", default=True)
    order = IntegerField("顺序（小的先判断）", validators=[Optional(), NumberRange(-1_000_000, 1_000_000)])
    note = TextAreaField("说明（依据、为什么这样设）", validators=[Length(max=4000)])

    def rule(self) -> dict:
        """The rule as decision.rules reads it, without its id (the program's: made for a new rule, kept after)."""
        out = {"name": self.name.data, "action": self.action.data,
               "match": self.match.data, "fields": list(self.fields_.data or []),
               "negate": bool(self.negate.data),
               "enabled": bool(self.enabled.data), "note": self.note.data or ""}
        if self.order.data is not None:
            out["order"] = self.order.data
        if self.action.data == "committee":
            out["committee"] = self.committee.data
        if self.match.data == "regex":
            out["pattern"] = self.pattern.data
        else:
            out["terms"] = lines(self.terms.data)
        return out

    @classmethod
    def data_of(cls, rule: dict) -> dict:
        return {"name": rule.get("name"), "action": rule.get("action"),
                "committee": rule.get("committee") or "", "match": rule.get("match", "any"),
                "fields_": rule.get("fields", ["title", "body"]), "terms": "\n".join(rule.get("terms", [])),
                "pattern": rule.get("pattern", ""), "negate": rule.get("negate", False),
                "enabled": rule.get("enabled", True), "order": rule.get("order"),
                "note": rule.get("note", "")}
