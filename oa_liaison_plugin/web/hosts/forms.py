"""The form to connect a host over HTTP."""
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..forms import Form, choices


class NewHostForm(Form):
    name = StringField("主机名", validators=[DataRequired("请填写主机名"), Length(max=64)])
    callback_url = StringField("回调地址（抄送和通知发到这里，可不填）", validators=[Optional(), Length(max=1024)])
    allow_origins = TextAreaField("允许下载文件的来源（每行一个，如 https://oa.example.cn）",
                                  validators=[Optional(), Length(max=4000)])


# How a host's documents that come without a file are decided (HttpHost.require_file: None, True, False).
REQUIRE_FILE_CHOICES = [("", "按系统设置"), ("yes", "暂存，待人工核对密级"),
                        ("no", "按主办系统标注的密级判断")]
REQUIRE_FILE_VALUES = {"": None, "yes": True, "no": False}


class RequireFileField(SelectField):
    def __init__(self, label="未附正文文件的发文", **kw):
        super().__init__(label, choices=choices(REQUIRE_FILE_CHOICES), default="", **kw)


NewHostForm.require_file = RequireFileField()


class RequireFileForm(Form):
    require_file = RequireFileField()
    version = HiddenField()   # the host's version when its row of the list was loaded


DECISIONS_LABEL = "向回调地址发送每份发文的决定（已分送、不抄送、暂存及原因）"
NewHostForm.decisions = BooleanField(DECISIONS_LABEL)


class DecisionsForm(Form):
    decisions = SelectField("决定回调", choices=choices([("yes", "发送"), ("no", "不发送")]))
    version = HiddenField()   # the host's version when its row of the list was loaded
