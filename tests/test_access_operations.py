"""Rules, users and logins change through operations in a unit of work: one audit entry each, naming who acted."""
from __future__ import annotations

import getpass

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from oa_liaison_plugin.audit import Actor, AuditEntry
from oa_liaison_plugin.models import Rule, db
from test_web_support import PASSWORD, build_world, login, session_client

RULE = {"id": "imp-reading", "name": "读书月", "action": "important", "match": "any", "terms": ["读书月"],
        "fields": ["title"]}
RULE_FORM = {"name": "读书月", "action": "important", "committee": "", "match": "any",
             "fields_": ["title"], "terms": "读书月", "pattern": "", "order": "185", "enabled": "y", "note": ""}


@pytest.fixture
def world(lite_app):
    lite_app.config["WTF_CSRF_ENABLED"] = False
    return build_world(lite_app)


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(AuditEntry.id)))


def _new_entries(app, since: int) -> list[tuple]:
    """(action, who, target, address, jurisdiction id) of every entry after the first ``since``."""
    with app.app_context():
        rows = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id).offset(since)).all()
        out = [(e.action, e.username, e.target, e.remote_addr, e.jurisdiction_id) for e in rows]
        db.session.remove()
        return out


def _user_id(app, name: str) -> int:
    from oa_liaison_plugin.web.models import User
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.username == name))


def test_every_rule_user_and_login_change_in_the_panel_leaves_one_entry_naming_its_actor(world, lite_app):
    admin = session_client(lite_app, "admin1", world)
    clerk = lite_app.test_client()
    steps = [
        ("rule.create", "admin1", "rule-1", lambda: admin.post("/rules/new", data=RULE_FORM)),
        ("rule.update", "admin1", "rule-1",
         lambda: admin.post("/rules/rule-1/edit", data={**RULE_FORM, "terms": "读书月\n读书节"})),
        ("rule.disable", "admin1", "rule-1", lambda: admin.post("/rules/rule-1/toggle")),
        ("rule.move", "admin1", "rule-1",
         lambda: admin.post("/rules/rule-1/move", data={"direction": "up"})),
        ("user.create", "admin1", "cz-clerk", lambda: admin.post("/users/new", data={
            "username": "cz-clerk", "role": "unit", "unit": "南部县财政局", "committee": "",
            "password": "password-123", "again": "password-123"})),
        ("user.update", "admin1", "cz-clerk", lambda: admin.post(f"/users/{_user_id(lite_app, 'cz-clerk')}/edit", data={
            "role": "unit", "unit": "南部县财政局", "committee": "", "active": "y", "password": PASSWORD})),
        ("login", "cz-clerk", "cz-clerk", lambda: login(clerk, "cz-clerk")),
        ("password.change", "cz-clerk", "cz-clerk", lambda: clerk.post("/account/password", data={
            "current": PASSWORD, "new": "a-new-password-1", "again": "a-new-password-1"})),
        ("logout", "cz-clerk", "cz-clerk", lambda: clerk.post("/logout")),
    ]
    with lite_app.app_context():
        jurisdiction_id = lite_app.extensions["oa_liaison"].jurisdiction().id
    for action, who, target, step in steps:
        before = _count(lite_app)
        resp = step()
        assert resp.status_code == 302, (action, resp.status_code, resp.get_data(as_text=True)[:2000])
        assert _new_entries(lite_app, before) == [(action, who, target, "127.0.0.1", jurisdiction_id)], action


def test_a_wrong_password_on_the_password_page_locks_and_is_audited_by_the_user(world, lite_app):
    lite_app.config["LOGIN_MAX_FAILURES"] = 2
    clerk = session_client(lite_app, "jyj", world)
    before = _count(lite_app)
    for _ in range(2):
        resp = clerk.post("/account/password", data={"current": "wrong-password", "new": "a-new-password-1",
                                                    "again": "a-new-password-1"})
        assert resp.status_code == 400
    [(action, who, target, addr, _)] = _new_entries(lite_app, before)
    assert (action, who, target, addr) == ("login.locked", "jyj", "user:jyj", "127.0.0.1")


def _cli(app, *args, password="a-long-password-2017"):
    from oa_liaison_plugin.cli import main
    env = {"OA_LIAISON_INSTANCE_PATH": app.instance_path, "OA_LIAISON_DATABASE_URL": app.config["DATABASE_URL"],
           "OA_LIAISON_PASSWORD": password}
    return CliRunner().invoke(main, list(args), env=env)


def test_users_passwd_finds_the_name_as_the_login_does_and_audits_like_the_panels_reset(world, lite_app):
    from oa_liaison_plugin.web.models import User
    with lite_app.app_context():
        token = db.session.scalar(select(User.session_token).where(User.username == "jyj"))
    before = _count(lite_app)
    r = _cli(lite_app, "users", "passwd", "JYJ")   # typed as the login page accepts it
    assert r.exit_code == 0, r.output
    with lite_app.app_context():
        user = db.session.scalar(select(User).where(User.username == "jyj"))
        assert user.session_token != token and user.version > 1
        [entry] = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id).offset(before)).all()
        assert (entry.action, entry.username, entry.target) == ("user.update", f"cli:{getpass.getuser()}", "jyj")
        scope = {"username": "jyj", "role": "unit", "scope": "县教育局", "active": True}
        assert entry.before == scope and entry.after == {**scope, "password_reset": True}
    assert login(lite_app.test_client(), "jyj", "a-long-password-2017").status_code == 302
    before = _count(lite_app)
    r = _cli(lite_app, "users", "passwd", "nobody")
    assert r.exit_code == 2 and "没有用户“nobody”" in r.output
    r = _cli(lite_app, "users", "passwd", "jyj", password="short")
    assert r.exit_code == 2 and "密码至少 8 个字符" in r.output
    assert _count(lite_app) == before   # refused: nothing changed, nothing audited


def test_a_rule_changed_in_a_unit_of_work_that_fails_leaves_neither_the_rule_nor_an_entry(lite_app):
    from oa_liaison_plugin.operations import rules
    from oa_liaison_plugin.decision import ruleset
    liaison = lite_app.extensions["oa_liaison"]
    before = _count(lite_app)
    with lite_app.app_context():
        jur = liaison.jurisdiction()
        version = jur.rules_version
        order = [r["id"] for r in ruleset.rules_of(jur)]
    changes = [lambda uow, jur: ruleset.save_rule(jur, RULE),   # the rule layer leaves the commit to the work
               lambda uow, jur: rules.save(uow, jur, RULE),
               lambda uow, jur: rules.toggle(uow, jur, order[0]),
               lambda uow, jur: rules.move(uow, jur, order[1], "up")]
    for change in changes:
        with pytest.raises(RuntimeError), liaison.work(Actor("test")) as uow:
            change(uow, liaison.jurisdiction())
            raise RuntimeError("the change failed after the rule was written")
    with lite_app.app_context():
        jur = liaison.jurisdiction()
        assert db.session.scalar(select(func.count(Rule.id)).where(Rule.rule_id == RULE["id"])) == 0
        assert [r["id"] for r in ruleset.rules_of(jur)] == order and jur.rules_version == version
        assert all(r["enabled"] for r in ruleset.rules_of(jur)[:1])
    assert _count(lite_app) == before
    with liaison.work(Actor("test")) as uow:
        rules.save(uow, liaison.jurisdiction(), RULE)
    assert [e[:3] for e in _new_entries(lite_app, before)] == [("rule.create", "test", "imp-reading")]
