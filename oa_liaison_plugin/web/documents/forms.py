"""An administrator's decision on a held (密级, restricted or otherwise doubtful) document."""
from __future__ import annotations

from wtforms import DateField, HiddenField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..forms import Form
from ..labels import local_today

_REASON = [DataRequired("请写明理由（会记入判断记录和操作日志）"), Length(max=1000, message="理由最多 1000 字")]


def _committees(label: str):
    return SelectMultipleField(label, coerce=str, validate_choice=True,
                               widget=ListWidget(html_tag="ul", prefix_label=False), option_widget=CheckboxInput(),
                               validators=[DataRequired("请至少选择一个委员会")])


class ManualCopyForm(Form):
    """人工分送 (never for a classified document); sent only after the confirmation page (``confirmed``)."""
    committees = _committees("分送给哪些委员会")
    reason = TextAreaField("分送理由", validators=_REASON)
    confirmed = HiddenField()


class NoCopyForm(Form):
    reason = TextAreaField("不分送的理由", validators=_REASON)


class HandoverForm(Form):
    """登记线下机要传递: a classified document that went to committees through 机要 channels, not this system."""
    committees = _committees("已线下送达哪些委员会")
    handed_on = DateField("传递日期", validators=[DataRequired("请填写传递日期（如 2017-03-20）")])
    handed_by = StringField("经办人（机要交通或机要员）", validators=[
        DataRequired("请填写经办人"), Length(max=64, message="经办人最多 64 字")])
    reason = TextAreaField("说明", validators=_REASON)

    def validate_handed_on(self, field):
        if field.data and field.data > local_today():
            raise ValidationError("传递日期不能晚于今天")
