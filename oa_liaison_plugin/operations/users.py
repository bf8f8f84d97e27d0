"""The panel's users and their sessions: add, change, reset a password; log in, out, change one's own password."""
from __future__ import annotations

from sqlalchemy import select

from ..errors import InputError
from ..models import Jurisdiction, db, utcnow
from ..versions import bump, claim
from ..web.auth import throttle
from ..web.models import User, login_key, new_token
from ..web.users.accounts import check_password, create_user, describe, resolve_scope


def by_name(name: str) -> User | None:
    """The user a typed name means, compared as the login page compares it."""
    return db.session.scalar(select(User).where(User.login_name == login_key(name)))


def add(uow, *, note: str | None = None, **fields) -> User:
    """Add a user (``create_user``'s fields: username, password, role, unit, committee, jurisdiction)."""
    user = create_user(uow.liaison, **fields)
    db.session.flush()
    uow.audit("user.create", user.username, None, describe(user), jurisdiction_id=user.jurisdiction_id, note=note)
    return user


def _reset(user: User, password: str) -> None:
    check_password(password)
    user.set_password(password)   # a new session token: every open session ends
    throttle.clear(user.username)  # a reset lifts the name's lock, as a good login does


def update(uow, user: User, *, role: str, unit: str | None, committee: str | None, active: bool,
           password: str | None = None, version=None) -> dict:
    """Change a user's role, scope, status and perhaps password; the user after. InputError names the field at
    fault, versions.Stale a form loaded before another save."""
    if user.id == uow.actor.user_id and (role != "admin" or not active):
        raise InputError("role", "不能停用自己或取消自己的管理员角色（请另一位管理员操作）")
    unit_id, committee_id = resolve_scope(uow.liaison, db.session.get(Jurisdiction, user.jurisdiction_id), role,
                                          unit, committee)
    before = describe(user)
    claim(User, user.id, version)
    user.role, user.unit_id, user.committee_id, user.active = role, unit_id, committee_id, bool(active)
    if password:
        _reset(user, password)
    elif (before["role"], before["active"]) != (user.role, user.active):
        user.session_token = new_token()  # a changed role or status ends open sessions
    after = {**describe(user), "password_reset": bool(password)}
    uow.audit("user.update", user.username, before, after, jurisdiction_id=user.jurisdiction_id)
    return after


def reset_password(uow, name: str, password: str, *, note: str | None = None) -> User:
    """An administrator sets a user's password (the name as the login page reads it); its sessions end."""
    user = by_name(name)
    if user is None:
        raise InputError("name", f"没有用户“{name}”")
    before = describe(user)
    _reset(user, password)
    bump(user)   # a user form loaded before would otherwise reset the password again
    uow.audit("user.update", user.username, before, {**describe(user), "password_reset": True},
              jurisdiction_id=user.jurisdiction_id, note=note)
    return user


def logged_in(uow, user: User) -> None:
    """A good login: the name's failures are forgotten."""
    user.last_login_at = utcnow()
    throttle.clear(user.username)
    uow.audit("login", user.username, jurisdiction_id=user.jurisdiction_id)


def failed(uow, name: str, addr: str | None, jurisdiction_id: int, note: str) -> list[str]:
    """A wrong password for ``name`` from ``addr``: counted, and each lock it sets audited; the keys it locked."""
    # The count commits at once, in its own transaction: a failure must count even when nothing else is saved.
    locked = throttle.failed(name, addr)
    for key in locked:
        uow.audit("login.locked", key, jurisdiction_id=jurisdiction_id, note=note)
    return locked


def logged_out(uow, user: User) -> None:
    """End the account's every session: a new session token, so a copied cookie is worth nothing afterwards."""
    user.session_token = new_token()
    uow.audit("logout", user.username, jurisdiction_id=user.jurisdiction_id)


def change_password(uow, user: User, new: str) -> None:
    """A user's own new password (the current one checked by the caller); other sessions end."""
    _reset(user, new)
    uow.audit("password.change", user.username, jurisdiction_id=user.jurisdiction_id)
