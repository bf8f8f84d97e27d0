"""Reply-task forms: a paper submission, the reply sent, an extension, a rating, a co-handler's opinion."""
from __future__ import annotations

from flask_wtf.file import FileAllowed, FileField
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ...documents.gbt9704 import normalize_doc_number
from ...events import SUBMISSION_KINDS
from ...models import Submission
from ...replies.tasks import BODY_LIMIT, RATINGS
from ..forms import Form, choices, fits

_REQUIRED = "请填写此项"
_DATE = "请填写日期（年-月-日）"


class RepliedForm(Form):
    doc_number = StringField("复函的发文字号", validators=[DataRequired("请填写复函的发文字号"), Length(max=64)])
    date = DateField("复函日期", validators=[DataRequired(_DATE)])
    file = FileField("签发后的复函（.docx 或 .pdf，可不传）",
                     validators=[FileAllowed(["docx", "pdf"], "只能上传 .docx 或 .pdf 文件")])

    def validate_doc_number(self, field):
        number = normalize_doc_number(field.data or "")
        if number is None:
            raise ValidationError("发文字号应为“机关代字〔年份〕序号号”，如：南教函〔2025〕5号")
        field.data = number


class NewSubmissionForm(Form):
    """A submission that arrived on paper, registered by hand (the same checks as the host's event)."""
    committee = SelectField("委员会", validators=[DataRequired("请选择委员会")])
    unit = StringField("主办单位", validators=[DataRequired(_REQUIRED), fits(Submission.unit_name)])
    cohandlers = StringField("会办单位（可空，多个用顿号隔开）", validators=[Optional(), Length(max=2000)])
    kind = SelectField("类别", choices=choices((k, k) for k in SUBMISSION_KINDS))
    title = StringField("标题", validators=[DataRequired(_REQUIRED), fits(Submission.title)])
    number = StringField("来件编号（可空）", validators=[Optional(), fits(Submission.number)])
    received = DateField("收到日期", validators=[DataRequired(_DATE)])
    body = TextAreaField("来件正文（可空）", validators=[Optional(), Length(max=BODY_LIMIT)])


class ExtendForm(Form):
    due = DateField("新的答复期限", validators=[DataRequired(_DATE)])
    reason = TextAreaField("延期理由", validators=[DataRequired("请写明延期理由"), Length(max=2000)])


class RateForm(Form):
    rating = SelectField("评价", validators=[DataRequired("请选择评价")],
                         choices=choices([("", "请选择")] + [(r, r) for r in RATINGS]))
    comment = TextAreaField("意见（选基本满意或不满意时必填）", validators=[Optional(), Length(max=2000)])


class OpinionForm(Form):
    opinion = TextAreaField("会办意见", validators=[DataRequired("请填写会办意见"), Length(max=20000)])
