"""The form to connect a host over HTTP."""
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..forms import Form


class NewHostForm(Form):
    name = StringField("主机名", validators=[DataRequired("请填写主机名"), Length(max=64)])
    callback_url = StringField("回调地址（抄送和通知发到这里，可不填）", validators=[Optional(), Length(max=1024)])
    allow_origins = TextAreaField("允许下载文件的来源（每行一个，如 https://oa.example.cn）",
                                  validators=[Optional(), Length(max=4000)])
