"""An administrator's decision on a held (密级, restricted or otherwise doubtful) document."""
from __future__ import annotations

from wtforms import SelectMultipleField, TextAreaField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from ..forms import Form

_REASON = [DataRequired("请写明理由（会记入判断记录和操作日志）"), Length(max=1000, message="理由最多 1000 字")]


class ManualCopyForm(Form):
    committees = SelectMultipleField("分送给哪些委员会", coerce=str, validate_choice=True,
                                     widget=ListWidget(html_tag="ul", prefix_label=False),
                                     option_widget=CheckboxInput(),
                                     validators=[DataRequired("请至少选择一个委员会")])
    reason = TextAreaField("分送理由", validators=_REASON)


class NoCopyForm(Form):
    reason = TextAreaField("不分送的理由", validators=_REASON)
