"""Creating and changing users (panel, CLI, demo); unit and committee names go through the resolver."""
from __future__ import annotations

import re

from sqlalchemy import select

from ...errors import InputError
from ...models import Committee, Jurisdiction, Unit, db
from ..models import ROLES, User, login_key

USERNAME = re.compile(r"^[\w.\-@\u4e00-\u9fff]{2,64}$")
MIN_PASSWORD = 8
DEMO_USERS = [  # username, password, role, unit or committee (as a clerk would write it)
    ("demo-admin", "demo-admin-2017", "admin", None),
    ("demo-unit", "demo-unit-2017", "unit", "南部县教育局"),
    ("demo-committee", "demo-committee-2017", "committee", "县政协教科文卫体委员会"),
    ("demo-auditor", "demo-auditor-2017", "auditor", None),
]


def check_password(password: str) -> None:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise InputError("password", f"密码至少 {MIN_PASSWORD} 个字符")
    if len(password) > 256:
        raise InputError("password", "密码过长（上限 256 个字符）")


def resolve_scope(liaison, jur: Jurisdiction, role: str, unit: str | None, committee: str | None):
    """(unit_id, committee_id) for a role, the names checked through the jurisdiction's resolver."""
    if role not in ROLES:
        raise InputError("role", f"角色应为 {'/'.join(ROLES)}")
    if role == "unit":
        if committee:
            raise InputError("committee", "单位联络员不能指定委员会")
        if not unit:
            raise InputError("unit", "单位联络员须指定所属单位")
        r = liaison.resolver(jur).resolve(unit)
        if r.unit_id is None:
            hint = f"；相近：{'、'.join(r.suggestions)}" if r.suggestions else ""
            raise InputError("unit", f"对口联系表中没有单位“{unit}”{hint}")
        return r.unit_id, None
    if role == "committee":
        if unit:
            raise InputError("unit", "委员会联络员不能指定单位")
        name = liaison.resolver(jur).committee(committee) if committee else None
        if not committee:
            raise InputError("committee", "委员会联络员须指定所属委员会")
        com = db.session.scalar(select(Committee).where(Committee.jurisdiction_id == jur.id,
                                                        Committee.name == name)) if name else None
        if com is None:
            raise InputError("committee", f"没有专门委员会“{committee}”")
        return None, com.id
    if unit or committee:
        raise InputError("unit" if unit else "committee", f"{ROLES[role]}不属于某个单位或委员会")
    return None, None


def create_user(liaison, *, username: str, password: str, role: str, unit: str | None = None,
                committee: str | None = None, jurisdiction: str | None = None) -> User:
    """Add a user (not committed: operations.users.add commits it with its audit entry)."""
    if not isinstance(username, str) or not USERNAME.match(username):
        raise InputError("username", "用户名为 2–64 个字母、数字、汉字或 . - _ @")
    if db.session.scalar(select(User.id).where(User.login_name == login_key(username))) is not None:
        raise InputError("username", f"用户名“{username}”已存在")
    check_password(password)
    try:
        jur = liaison.jurisdiction(jurisdiction)
    except LookupError as exc:
        raise InputError("jurisdiction", str(exc)) from None
    unit_id, committee_id = resolve_scope(liaison, jur, role, unit, committee)
    user = User(username=username, role=role, jurisdiction_id=jur.id, unit_id=unit_id,
                committee_id=committee_id, active=True, prefs={})
    user.set_password(password)
    db.session.add(user)
    return user


def scope_name(user: User) -> str:
    if user.unit_id:
        unit = db.session.get(Unit, user.unit_id)
        return unit.name if unit else ""
    if user.committee_id:
        com = db.session.get(Committee, user.committee_id)
        return com.name if com else ""
    return ""


def describe(user: User) -> dict:
    """A user as the audit log records it (never the password hash)."""
    return {"username": user.username, "role": user.role, "scope": scope_name(user),
            "active": bool(user.active)}


def ensure_demo_users(app) -> list[tuple[str, str, str, str]]:
    """The demo's accounts, added (or their printed passwords made true again) by the demo, audited."""
    from ...audit import Actor
    from ...operations import users as ops
    liaison = app.extensions["oa_liaison"]
    out = []
    with app.app_context():
        with liaison.work(Actor("demo")) as uow:
            for username, password, role, scope in DEMO_USERS:
                user = db.session.scalar(select(User).where(User.username == username))
                if user is None:
                    user = ops.add(uow, username=username, password=password, role=role,
                                   unit=scope if role == "unit" else None,
                                   committee=scope if role == "committee" else None, note="演示用户")
                elif not user.check_password(password):
                    ops.reset_password(uow, username, password, note="演示用户")  # the demo prints these passwords
                out.append((username, password, role, scope_name(user) or liaison.jurisdiction().name))
    return out
