"""Marking a submission answered: the reply letter's 发文字号 and date."""
from __future__ import annotations

from wtforms import DateField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from ...documents.gbt9704 import normalize_doc_number
from ..forms import Form


class RepliedForm(Form):
    doc_number = StringField("复函的发文字号", validators=[DataRequired("请填写复函的发文字号"), Length(max=64)])
    date = DateField("复函日期", validators=[DataRequired("请填写日期（年-月-日）")])

    def validate_doc_number(self, field):
        number = normalize_doc_number(field.data or "")
        if number is None:
            raise ValidationError("发文字号应为“机关代字〔年份〕序号号”，如：南教函〔2025〕5号")
        field.data = number
