"""Forms to add and change users."""
from wtforms import BooleanField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from ..forms import Form, choices
from ..models import ROLES

LEAST_FIRST = ("committee", "unit", "auditor", "admin")
_LENGTH = Length(min=8, max=256, message="密码为 8–256 个字符")


class ScopeFields(Form):
    # Least privilege first and by default: a careless save never makes an administrator.
    role = SelectField("角色", choices=choices((r, ROLES[r]) for r in LEAST_FIRST), default=LEAST_FIRST[0])
    unit = StringField("所属单位（单位联络员）", validators=[Optional(), Length(max=256)])
    committee = SelectField("所属委员会（委员会联络员）", choices=[])


class NewUserForm(ScopeFields):
    username = StringField("用户名", validators=[DataRequired("请填写用户名"), Length(min=2, max=64)])
    password = PasswordField("初始密码", validators=[DataRequired("请填写初始密码"), _LENGTH])
    again = PasswordField("再输一次", validators=[EqualTo("password", message="两次输入的密码不一致")])


class EditUserForm(ScopeFields):
    active = BooleanField("启用（停用后立即退出，不能再登录）")
    password = PasswordField("重置密码（不改请留空）", validators=[Optional(), _LENGTH])
    version = HiddenField()   # the user's version when the form was loaded
