"""Logging in and out, and changing one's own password."""
from __future__ import annotations

from urllib.parse import unquote, urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from ...models import db
from ...operations import users as ops
from ..access import allow
from ..audit.log import work
from ..forms import status
from ..models import User, login_key, password_method
from . import throttle
from .forms import LoginForm, PasswordForm

bp = Blueprint("auth", __name__)
ALL = ("admin", "unit", "committee", "auditor")
# Checked when the name is unknown, so a wrong name costs as long as a wrong password (one per method).
_DUMMY_HASHES: dict[str, str] = {}


def _dummy_hash() -> str:
    method = password_method()
    if method not in _DUMMY_HASHES:
        _DUMMY_HASHES[method] = generate_password_hash("not-a-password", method=method)
    return _DUMMY_HASHES[method]


def _safe_next(target: str | None) -> str:
    """``target`` when it is a path of this site, else the home page.

    Only printable ASCII: browsers drop tabs and newlines and read a backslash as a slash, so
    "/\t/evil.example" would leave the site (and a newline cannot go into a header at all).
    """
    home = url_for("home.index")
    if not target or not target.isascii() or not target.isprintable() or " " in target:
        return home
    for text in (target, unquote(target)):
        if not text.startswith("/") or text.startswith("//") or "\\" in text \
                or any(ord(c) < 0x21 or ord(c) == 0x7F for c in text):
            return home
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else home


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The login page (public)."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    code = None
    if form.validate_on_submit():
        name, addr = form.username.data, request.remote_addr
        wait = throttle.locked_for(name, addr)
        user = None if wait else db.session.scalar(select(User).where(User.login_name == login_key(name)))
        given = form.password.data
        ok = not wait and (user.check_password(given) if user else check_password_hash(_dummy_hash(), given))
        if wait:
            # Not even the right password gets in while locked: guessing must not pay.
            form.add_error(None, f"登录失败次数过多，已暂时锁定，请 {wait} 分钟后再试，或请管理员重设密码。")
            code = 429
        elif user is None or not ok or not user.active:
            # Seen by the administrators of the name's jurisdiction (the deployment's, for unknown names).
            jur = user.jurisdiction_id if user else current_app.extensions["oa_liaison"].jurisdiction_row().id
            with work() as uow:
                ops.failed(uow, name, addr, jur, f"连续登录失败，来自 {addr or '未知地址'}")
            form.add_error(None, "用户名或密码不正确，或账号已停用。")
        else:
            with work(user) as uow:
                ops.logged_in(uow, user)
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
    # Outside debugging the session cookie is Secure: over plain HTTP the browser would drop it.
    insecure = current_app.config.get("SESSION_COOKIE_SECURE") and not request.is_secure \
        and request.host.split(":")[0] not in ("localhost", "127.0.0.1", "[::1]")
    return render_template("oa_liaison/auth/login.html", form=form, insecure=insecure), code or status(form)


@bp.route("/logout", methods=["POST"])
@allow(*ALL)
def logout():
    """End the session: a new session token, so a copy of the cookie is worth nothing afterwards."""
    with work() as uow:
        ops.logged_out(uow, db.session.get(User, current_user.id))  # ends its other sessions too
    logout_user()
    flash("已退出。", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@allow(*ALL)
def password():
    """Change one's own password (ends other sessions)."""
    form = PasswordForm()
    code = None
    if form.validate_on_submit():
        user = db.session.get(User, current_user.id)
        # The login's lock: guessing the current password here is guessing it at the login.
        wait = throttle.locked_for(user.username, request.remote_addr)
        if wait:
            form.add_error(None, f"密码输错次数过多，已暂时锁定，请 {wait} 分钟后再试，或请管理员重设密码。")
            code = 429
        elif not user.check_password(form.current.data):
            with work() as uow:
                ops.failed(uow, user.username, request.remote_addr, user.jurisdiction_id, "修改密码时连续输错当前密码")
            form.add_error("current", "当前密码不正确")
        else:
            with work() as uow:
                ops.change_password(uow, user, form.new.data)
            login_user(user)  # the session id includes the new token
            flash("密码已修改。", "success")
            return redirect(url_for("home.index"))
    return render_template("oa_liaison/auth/password.html", form=form), code or status(form)
