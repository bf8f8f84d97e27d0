"""A unit's liaison leader: name, post, phone, since when."""
from __future__ import annotations

from wtforms import DateField, StringField
from wtforms.validators import DataRequired

from ...models import LiaisonLeader
from ..forms import Form, fits

_REQUIRED = "请填写此项"


class LeaderForm(Form):
    name = StringField("姓名", validators=[DataRequired(_REQUIRED), fits(LiaisonLeader.name)])
    post = StringField("职务", validators=[DataRequired(_REQUIRED), fits(LiaisonLeader.post)])
    phone = StringField("联系电话", validators=[DataRequired(_REQUIRED), fits(LiaisonLeader.phone)])
    since = DateField("起始日期", validators=[DataRequired("请填写日期（年-月-日）")])
