"""Forms for importing a counterpart table from a liaison notice."""
from __future__ import annotations

from flask_wtf.file import FileAllowed, FileField
from wtforms import HiddenField, IntegerField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..forms import Form


class NoticeForm(Form):
    text = TextAreaField("粘贴通知正文", validators=[Optional(), Length(max=2_000_000)])
    file = FileField("或上传通知文件（.txt 或 .docx）", validators=[FileAllowed(["txt", "docx"], "只能上传 .txt 或 .docx 文件")])


class ApplyForm(Form):
    text = HiddenField(validators=[DataRequired("没有要导入的通知正文"), Length(max=2_000_000)])


class RollbackForm(Form):
    """回退到第 ``to`` 版, done only when ``confirmed`` (after the confirmation page)."""
    to = IntegerField(validators=[DataRequired()])
    confirmed = HiddenField()
