"""The rule tester's form: an issued file (OFD, PDF, .docx, .doc, .wps, .odt, .rtf), or a title and an issuer typed in."""
from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from ...models import Document
from ..forms import Form, fits


class TesterForm(Form):
    # Any format: it is read by its bytes, and what cannot be read is shown as the hold it would get.
    file = FileField("已印发的文件（OFD、PDF、.docx、.doc、.wps、.odt、.rtf，可不传）", validators=[Optional()])
    issuer = StringField("发文单位", validators=[fits(Document.issuer)])
    title = StringField("标题", validators=[fits(Document.title)])
    doc_type = StringField("文种（如 通知、意见、报告）", validators=[fits(Document.doc_type)])
    main_recipients = StringField("主送机关（多个用顿号分隔）", validators=[Length(max=2000)])
    cc = StringField("抄送机关（多个用顿号分隔）", validators=[Length(max=2000)])
    secrecy = StringField("密级（没有就空着）", validators=[fits(Document.secrecy)])
    body = TextAreaField("正文（可只贴关键段落）", validators=[Length(max=200_000)])
    major = BooleanField("主办系统标为“重大事项”")
    important = BooleanField("主办系统标为“重要文件”")
    npc = BooleanField("提请人大常委会审议")

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        upload = self.file.data
        if ok and not (upload and upload.filename) and not self.issuer.data:
            self.add_error("issuer", "请上传文件，或至少填写发文单位")
            ok = False
        return ok
