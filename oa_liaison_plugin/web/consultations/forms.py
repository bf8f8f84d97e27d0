"""The committee's opinion on a consultation (征求意见反馈)."""
from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..forms import Form

OPINION_MAX = 5000


class OpinionForm(Form):
    position = SelectField("意见类别", choices=[("同意", "同意"), ("修改意见", "修改意见"), ("不同意", "不同意")])
    opinion = TextAreaField("委员会意见", validators=[
        DataRequired("请填写委员会的意见"),
        Length(max=OPINION_MAX, message=f"意见最多 {OPINION_MAX} 字，请精简或分条概括")])
    attachment = FileField("附件（可不传）")
