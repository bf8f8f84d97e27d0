"""Mapping an unknown issuer name to a unit of the table."""
from wtforms import HiddenField, StringField
from wtforms.validators import DataRequired

from ...models import Document, UnitName
from ..forms import Form, fits


class MapForm(Form):
    issuer = HiddenField("发文单位名称", validators=[DataRequired("缺少发文单位名称"), fits(Document.issuer)])
    unit = StringField("对应的单位", validators=[DataRequired("请填写或选择对应的单位"), fits(UnitName.name)])
