"""Who may call which view: roles per view, the login gate, and each role's scope."""
from __future__ import annotations

from flask import abort, g, render_template, request
from flask_login import LoginManager, current_user

from ..models import Committee, Jurisdiction, Unit, db
from ..table.units import with_sub_units
from .models import User
from .security import key_problem, production

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "请先登录。"
login_manager.login_message_category = "info"

PUBLIC = {"auth.login", "static"}
READ_METHODS = {"GET", "HEAD", "OPTIONS"}


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    user_id, _, token = session_id.partition(".")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_token != token:
        return None
    return user


def allow(*roles: str, post: tuple[str, ...] | None = None):
    """Roles that may open a view; ``post`` narrows who may submit to it (default: the same roles)."""
    def mark(view):
        view.roles = frozenset(roles)
        view.post_roles = frozenset(roles if post is None else post)
        return view
    return mark


def gate(blueprints: set[str]):
    """before_request for the panel: log in first, then the view's roles; views without roles are closed."""
    from flask import current_app

    def check():
        if request.blueprint not in blueprints and request.endpoint != "static":
            return None
        if production(current_app) and key_problem(current_app):
            return render_template("oa_liaison/error.html", code=503, title="面板未启用",
                                   message="服务器未配置安全的 SECRET_KEY，面板暂不可用。请联系系统管理员。"), 503
        if request.endpoint in PUBLIC:
            return None
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        view = current_app.view_functions.get(request.endpoint)
        roles = getattr(view, "roles" if request.method in READ_METHODS else "post_roles", None)
        if not roles or current_user.role not in roles:
            abort(403)
        return None
    return check


# ------------------------------------------------------------------------------------ scope


def jurisdiction() -> Jurisdiction:
    jur = g.get("liaison_jurisdiction")
    if jur is None:
        jur = g.liaison_jurisdiction = db.session.get(Jurisdiction, current_user.jurisdiction_id)
    return jur


def unit_ids() -> list[int]:
    """The clerk's unit and its sub-units (a department answers for its bracketed sub-units)."""
    ids = g.get("liaison_unit_ids")
    if ids is None:
        ids = []
        if current_user.role == "unit" and current_user.unit_id:
            ids = with_sub_units(current_user.jurisdiction_id, [current_user.unit_id])
        g.liaison_unit_ids = ids
    return ids


def committee_id() -> int | None:
    return current_user.committee_id if current_user.role == "committee" else None


def scope_label() -> str:
    """What the user sees, in words (shown in the header)."""
    if current_user.role == "unit":
        unit = db.session.get(Unit, current_user.unit_id) if current_user.unit_id else None
        return unit.name if unit else "（所属单位已不在对口联系表中）"
    if current_user.role == "committee":
        com = db.session.get(Committee, current_user.committee_id) if current_user.committee_id else None
        return com.name if com else "（所属委员会已不在对口联系表中）"
    return jurisdiction().name


def get_or_404(model, ident):
    """A row of the user's jurisdiction by id, else 404 (ids of other jurisdictions are not revealed)."""
    row = db.session.get(model, ident)
    mine = current_user.jurisdiction_id
    if row is None or getattr(row, "jurisdiction_id", mine) != mine:
        abort(404)
    return row
