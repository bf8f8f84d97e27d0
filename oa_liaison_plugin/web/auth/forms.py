"""Login and password forms."""
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from ..forms import Form


class LoginForm(Form):
    username = StringField("用户名", validators=[DataRequired("请输入用户名"), Length(max=64)])
    password = PasswordField("密码", validators=[DataRequired("请输入密码"), Length(max=256)])


class PasswordForm(Form):
    current = PasswordField("当前密码", validators=[DataRequired("请输入当前密码")])
    new = PasswordField("新密码", validators=[DataRequired("请输入新密码"),
                                           Length(min=8, max=256, message="新密码为 8–256 个字符")])
    again = PasswordField("再输一次新密码", validators=[DataRequired("请再输一次新密码"),
                                                  EqualTo("new", message="两次输入的新密码不一致")])
