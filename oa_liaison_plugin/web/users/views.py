"""Users of the panel: list, add, change role, scope, status and password (admins of the jurisdiction)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user
from sqlalchemy import select

from ...errors import InputError
from ...models import Committee, Unit, db
from ...operations import users as ops
from ..access import allow, get_or_404, jurisdiction
from ..audit.log import work
from ..conflict import conflict_on_stale
from ..export import Column, Sheet, local, send_xlsx
from ..forms import choices, input_error, status
from ..labels import local_today
from ..models import ROLES, User
from .accounts import describe, scope_name
from .forms import EditUserForm, NewUserForm

bp = Blueprint("users", __name__, url_prefix="/users")


def _choices(form):
    names = db.session.scalars(select(Committee.name).where(Committee.jurisdiction_id == jurisdiction().id)
                               .order_by(Committee.position)).all()
    form.committee.choices = choices([("", "（无）")] + [(n, n) for n in names])


def _units() -> list[str]:
    return db.session.scalars(select(Unit.name).where(Unit.jurisdiction_id == jurisdiction().id)
                              .order_by(Unit.position)).all()


def _scope(form) -> tuple[str | None, str | None]:
    """The unit or committee the chosen role needs; the other field is ignored."""
    return (form.unit.data or None if form.role.data == "unit" else None,
            form.committee.data or None if form.role.data == "committee" else None)


@bp.route("")
@allow("admin", "auditor")
def index():
    """Every user of the jurisdiction."""
    return render_template("oa_liaison/users/index.html", users=_users(), scope_name=scope_name)


def _users() -> list[User]:
    return db.session.scalars(select(User).where(User.jurisdiction_id == current_user.jurisdiction_id)
                              .order_by(User.role, User.username)).all()


@bp.route("/export.xlsx")
@allow("admin", "auditor")
def export():
    """The users as listed (no password or token), as an Excel sheet."""
    rows = [(u.username, u.role_label, scope_name(u) or "", "启用" if u.active else "停用", local(u.last_login_at))
            for u in _users()]
    columns = [Column("用户名", 16), Column("角色", 12), Column("单位 / 委员会", 26), Column("状态", 6), Column("最近登录", 17)]
    return send_xlsx(f"用户（{local_today().isoformat()}）", [Sheet("用户", columns, rows)])


@bp.route("/new", methods=["GET", "POST"])
@allow("admin")
def new():
    """Add a user."""
    form = NewUserForm()
    _choices(form)
    if form.validate_on_submit():
        try:
            with work() as uow:
                user = ops.add(uow, username=form.username.data, password=form.password.data, role=form.role.data,
                               unit=_scope(form)[0], committee=_scope(form)[1], jurisdiction=jurisdiction().code)
        except InputError as exc:
            input_error(form, exc)
        else:
            flash(f"已新增用户“{user.username}”。请把初始密码当面或电话告诉本人，并请其登录后修改。", "success")
            return redirect(url_for(".index"))
    return render_template("oa_liaison/users/form.html", form=form, user=None, units=_units()), status(form)


def _shown(user: dict) -> dict:
    """A user's role, scope and status as the conflict page shows them (never the password)."""
    return {"role": ROLES.get(user["role"], user["role"]), "scope": user["scope"], "active": user["active"]}


@bp.route("/<int:user_id>/edit", methods=["GET", "POST"])
@allow("admin")
def edit(user_id: int):
    """Change a user's role, scope, status or password."""
    user = get_or_404(User, user_id)
    scope = scope_name(user)
    form = EditUserForm(data=None if request.method == "POST" else {
        "role": user.role, "active": user.active, "unit": scope if user.role == "unit" else "",
        "committee": scope if user.role == "committee" else "", "version": user.version})
    _choices(form)
    if form.validate_on_submit():
        yours = _shown({"role": form.role.data, "scope": "".join(filter(None, _scope(form))),
                        "active": bool(form.active.data)})
        try:
            with conflict_on_stale(f"用户“{user.username}”", lambda: _shown(describe(get_or_404(User, user_id))),
                                   yours, url_for(".edit", user_id=user_id), form), work() as uow:
                ops.update(uow, user, role=form.role.data, unit=_scope(form)[0], committee=_scope(form)[1],
                           active=bool(form.active.data), password=form.password.data or None,
                           version=form.version.data)
        except InputError as exc:
            input_error(form, exc)
        else:
            if user.id == current_user.id:
                login_user(user)  # a new password changes the session id; stay logged in
            flash(f"已保存用户“{user.username}”。", "success")
            return redirect(url_for(".index"))
    return render_template("oa_liaison/users/form.html", form=form, user=user, units=_units()), status(form)
