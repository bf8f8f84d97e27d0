"""The web panel: login and sessions, each page's work, bad input, the audit log, the CLI commands."""
from __future__ import annotations

import datetime as dt
import io
import json
import re

import pytest
from sqlalchemy import func, select, text

from test_web_support import PASSWORD, build_world, csrf_of, login, session_client


@pytest.fixture
def world(app):
    app.config["WTF_CSRF_ENABLED"] = False  # CSRF has its own tests below
    return build_world(app)


@pytest.fixture
def lite_world(lite_app):
    lite_app.config["WTF_CSRF_ENABLED"] = False
    return build_world(lite_app)


def as_user(app, world, username):
    return session_client(app, username, world)


def body(resp) -> str:
    return resp.get_data(as_text=True)


# ---------------------------------------------------------------------------------- security


def test_production_refuses_a_missing_or_default_secret_key(tmp_path):
    from oa_liaison_plugin import create_app
    from oa_liaison_plugin.web.security import ConfigError, check_production
    url = f"sqlite:///{tmp_path / 'p.sqlite3'}"
    for key in (None, "dev", "change-me", "short"):
        config = {"DATABASE_URL": url, "TESTING": False, "DEBUG": False,
                  **({"SECRET_KEY": key} if key else {})}
        app = create_app(config, instance_path=tmp_path / "i")
        with pytest.raises(ConfigError) as exc:
            check_production(app)
        assert "OA_LIAISON_SECRET_KEY" in str(exc.value) and "拒绝" in str(exc.value)
        resp = app.test_client().get("/login")  # a host serving the app itself gets a page, not a traceback
        assert resp.status_code == 503 and "面板未启用" in body(resp)
        with app.app_context():
            from oa_liaison_plugin.models import db
            db.engine.dispose()
    app = create_app({"DATABASE_URL": url, "TESTING": False, "SECRET_KEY": "5c0e1f9a7d3b28e46a91c2f0b7d5e834"},
                     instance_path=tmp_path / "i")
    check_production(app)
    assert app.test_client().get("/login").status_code == 200


def test_cookies_are_httponly_lax_and_secure_in_production(tmp_path):
    from oa_liaison_plugin import create_app
    from oa_liaison_plugin.models import db
    from oa_liaison_plugin.web.users.accounts import create_user
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'c.sqlite3'}",
                      "SECRET_KEY": "e3b9071dc4a85f26b1e09d7a3c5f8246",
                      "WTF_CSRF_ENABLED": False}, instance_path=tmp_path / "i")
    with app.app_context():
        create_user(app.extensions["oa_liaison"], username="boss", password=PASSWORD, role="admin")
        db.session.commit()
    resp = app.test_client().post("/login", data={"username": "boss", "password": PASSWORD})
    cookie = resp.headers["Set-Cookie"]
    assert resp.status_code == 302
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert "script-src 'none'" in resp.headers["Content-Security-Policy"]
    with app.app_context():
        db.engine.dispose()


def test_csrf_is_required_on_every_form(lite_app):
    build_world(lite_app)
    client = lite_app.test_client()
    resp = client.post("/login", data={"username": "admin1", "password": PASSWORD})
    assert resp.status_code == 400 and "页面已过期" in body(resp)
    assert login(client, "admin1").status_code == 302
    page = client.get("/rules/npc-title/edit")
    resp = client.post("/rules/npc-title/toggle", data={})
    assert resp.status_code == 400 and "安全校验未通过" in body(resp)
    resp = client.post("/rules/npc-title/toggle", data={"csrf_token": csrf_of(body(page))})
    assert resp.status_code == 302


def test_login_failures_logout_and_safe_redirects(lite_world, lite_app):
    client = lite_app.test_client()
    lite_app.config["WTF_CSRF_ENABLED"] = False
    resp = client.post("/login", data={"username": "admin1", "password": "wrong-password"})
    assert resp.status_code == 400 and "用户名或密码不正确" in body(resp)
    resp = client.post("/login", data={"username": "nobody", "password": "wrong-password"})
    assert "用户名或密码不正确" in body(resp)
    resp = client.post("/login?next=//evil.example/x", data={"username": "ADMIN1", "password": PASSWORD})
    assert resp.status_code == 302 and resp.headers["Location"] == "/"
    assert client.get("/rules").status_code == 200
    assert client.post("/logout").status_code == 302
    assert client.get("/rules").headers["Location"].startswith("/login")
    from oa_liaison_plugin.models import db
    from oa_liaison_plugin.web.models import User
    with lite_app.app_context():
        stored = db.session.scalar(select(User.password_hash).where(User.username == "admin1"))
        assert PASSWORD not in stored and stored.startswith(("scrypt:", "pbkdf2:"))


def _throttle_rows(app):
    from oa_liaison_plugin.models import db
    from oa_liaison_plugin.web.models import LoginThrottle
    with app.app_context():
        return {r.key: (r.failures, r.locked_until) for r in db.session.scalars(select(LoginThrottle))}


def _age_throttle(app, **fields):
    """Move every throttle row's times into the past, as if the lock or window had run out."""
    from oa_liaison_plugin.models import db
    from oa_liaison_plugin.web.models import LoginThrottle
    with app.app_context():
        for row in db.session.scalars(select(LoginThrottle)):
            for name, value in fields.items():
                setattr(row, name, value)
        db.session.commit()


def test_repeated_failed_logins_lock_the_name_even_against_the_right_password(lite_world, lite_app):
    client = lite_app.test_client()
    for _ in range(5):
        assert login(client, "admin1", "wrong-password").status_code == 400
    resp = login(client, "admin1")   # the right password, too late
    assert resp.status_code == 429 and "登录失败次数过多" in body(resp) and "分钟后再试" in body(resp)
    assert "/rules" not in body(resp) and client.get("/rules").status_code == 302
    # The lock is the name's: another clerk at the same address (an office NAT) still gets in.
    assert login(lite_app.test_client(), "jyj").status_code == 302
    # Unknown names lock the same way, so a lock says nothing about which names exist.
    for _ in range(5):
        login(client, "nobody", "wrong-password")
    assert "登录失败次数过多" in body(login(client, "nobody", "whatever"))
    # Administrators see it in the audit log.
    listing = body(as_user(lite_app, lite_world, "admin1").get("/audit"))
    assert "登录失败过多已锁定" in listing and "user:admin1" in listing and "user:nobody" in listing
    # When the lock has run out the right password works again, and the count starts afresh.
    past = dt.datetime(2000, 1, 1)
    _age_throttle(lite_app, locked_until=past, window_start=past)
    assert login(client, "admin1").status_code == 302
    assert "user:admin1" not in _throttle_rows(lite_app)


def test_failures_in_an_old_window_do_not_add_up(lite_world, lite_app):
    client = lite_app.test_client()
    for _ in range(4):
        login(client, "jyj", "wrong-password")
    _age_throttle(lite_app, window_start=dt.datetime(2000, 1, 1))   # those four were long ago
    for _ in range(4):
        login(client, "jyj", "wrong-password")
    assert login(client, "jyj").status_code == 302
    rows = _throttle_rows(lite_app)
    assert "user:jyj" not in rows                   # a good login clears the name's count…
    assert rows["addr:127.0.0.1"][0] == 4           # …never the address's (this window's four)


def test_an_address_guessing_many_names_is_locked_but_not_others(lite_world, lite_app):
    lite_app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 6
    guesser = lite_app.test_client()
    guesser.environ_base["REMOTE_ADDR"] = "10.0.0.66"
    for name in ("a1", "a2", "a3", "a4", "a5", "a6"):
        login(guesser, name, "wrong-password")
    resp = login(guesser, "jyj")
    assert resp.status_code == 429 and "登录失败次数过多" in body(resp)
    office = lite_app.test_client()
    office.environ_base["REMOTE_ADDR"] = "10.0.0.7"
    assert login(office, "jyj").status_code == 302


def test_two_workers_counting_a_new_name_at_once_both_count(app, monkeypatch):
    """The loser of the race to insert a name's row counts again on the winner's row: no error page."""
    from sqlalchemy import insert
    from oa_liaison_plugin.models import db, utcnow
    from oa_liaison_plugin.web.auth import throttle
    from oa_liaison_plugin.web.models import LoginThrottle
    app.config["WTF_CSRF_ENABLED"] = False
    count, raced = throttle._count, []

    def racing(username, addr):
        if raced:
            return count(username, addr)
        raced.append(True)
        # This worker saw no row for the name; meanwhile another worker inserted and committed it.
        with db.engine.begin() as other:
            other.execute(insert(LoginThrottle), [dict(key="user:racer", failures=1, window_start=utcnow())])
        db.session.add(LoginThrottle(key="user:racer", failures=1, window_start=utcnow()))
        return []

    monkeypatch.setattr(throttle, "_count", racing)
    resp = login(app.test_client(), "racer", "wrong-password")
    assert resp.status_code == 400 and "用户名或密码不正确" in body(resp)
    assert raced and _throttle_rows(app)["user:racer"][0] == 2


def test_an_administrator_resetting_the_password_lifts_the_lock(lite_world, lite_app):
    from oa_liaison_plugin.models import db
    from oa_liaison_plugin.web.models import User
    client = lite_app.test_client()
    for _ in range(5):
        login(client, "jyj", "wrong-password")
    assert login(client, "jyj").status_code == 429
    with lite_app.app_context():
        uid = db.session.scalar(select(User.id).where(User.username == "jyj"))
    admin = as_user(lite_app, lite_world, "admin1")
    resp = admin.post(f"/users/{uid}/edit", data={"role": "unit", "unit": "县教育局", "committee": "", "active": "y",
                                                 "password": "a-new-password-2"})
    assert resp.status_code == 302
    assert login(client, "jyj", "a-new-password-2").status_code == 302


def test_changing_a_password_ends_other_sessions(lite_world, lite_app):
    other = as_user(lite_app, lite_world, "jyj")
    me = lite_app.test_client()
    login(me, "jyj")
    resp = me.post("/account/password",
                   data={"current": PASSWORD, "new": "a-new-password-1", "again": "a-new-password-1"})
    assert resp.status_code == 302
    assert me.get("/documents").status_code == 200          # this session goes on
    assert other.get("/documents").status_code == 302       # the other one is over
    assert login(lite_app.test_client(), "jyj", "a-new-password-1").status_code == 302


def test_deactivated_users_cannot_log_in_or_stay(lite_world, lite_app):
    clerk = as_user(lite_app, lite_world, "jyj")
    admin = as_user(lite_app, lite_world, "admin1")
    from oa_liaison_plugin.models import db
    from oa_liaison_plugin.web.models import User
    with lite_app.app_context():
        uid = db.session.scalar(select(User.id).where(User.username == "jyj"))
    resp = admin.post(f"/users/{uid}/edit", data={"role": "unit", "unit": "县教育局", "committee": ""})
    assert resp.status_code == 302
    assert clerk.get("/documents").status_code == 302
    assert "用户名或密码不正确，或账号已停用" in body(login(lite_app.test_client(), "jyj"))


# ---------------------------------------------------------------------------- counterpart table


def test_a_merged_unit_keeps_several_committees_through_the_panel(lite_world, lite_app):
    from oa_liaison_plugin.models import Unit, db
    admin = as_user(lite_app, lite_world, "admin1")
    with lite_app.app_context():
        uid = db.session.scalar(select(Unit.id).where(Unit.name == "县文旅局"))
    page = body(admin.get(f"/table/units/{uid}/edit"))
    assert "合并单位的其他对口委员会" in page
    table = body(admin.get("/table?q=文旅"))
    assert table.count("县文旅局") >= 2                       # listed under each of its committees
    form = {"name": "县文旅局", "full_name": "南部县文化广播电视和旅游局", "committee": "学习文史委员会",
            "more_committees": ["教科文卫体委员会", "社会法制联谊委员会"], "parent": "", "aliases": "文旅局",
            "former_names": "县旅游局 2019-03-01"}
    assert admin.post(f"/table/units/{uid}/edit", data=form).status_code == 302
    with lite_app.app_context():
        r = lite_app.extensions["oa_liaison"].resolver().resolve("南部县文化广播电视和旅游局")
        assert r.committees == ["学习文史委员会", "教科文卫体委员会", "社会法制联谊委员会"]   # the chosen first
    form["more_committees"] = []
    assert admin.post(f"/table/units/{uid}/edit", data=form).status_code == 302
    with lite_app.app_context():
        assert lite_app.extensions["oa_liaison"].resolver().resolve("县文旅局").committees == ["学习文史委员会"]


def test_edit_a_unit_alias_and_see_it_resolve(world, app):
    admin = as_user(app, world, "admin1")
    page = body(admin.get(f"/table/units/{world['own_unit']}/edit"))
    assert "南部县教育局" in page
    form = {"name": "县教育局", "full_name": "南部县教育局", "committee": "教科文卫体委员会", "parent": "",
            "aliases": "教育局\n县教体局", "former_names": "县教育委员会 2001-12-31"}
    resp = admin.post(f"/table/units/{world['own_unit']}/edit", data=form)
    assert resp.status_code == 302
    liaison = app.extensions["oa_liaison"]
    with app.app_context():
        r = liaison.resolver().resolve("南部县教体局")
        assert (r.unit, r.matched_by) == ("县教育局", "alias")
        assert liaison.resolver().resolve("县教育委员会").matched_by == "former_name"
    assert "县教体局" in body(admin.get("/table?q=教体"))


def test_table_errors_are_shown_on_the_form_and_nothing_changes(world, app):
    from oa_liaison_plugin.table import file as table
    admin = as_user(app, world, "admin1")
    with app.app_context():
        before = table.export("nanbu")
    form = {"name": "县教育局", "full_name": "南部县教育局", "committee": "教科文卫体委员会", "parent": "",
            "aliases": "县财政局", "former_names": "县教委 2001-13-40"}
    resp = admin.post(f"/table/units/{world['own_unit']}/edit", data=form)
    assert resp.status_code == 400 and "日期不存在" in body(resp)
    form["former_names"] = ""
    resp = admin.post(f"/table/units/{world['own_unit']}/edit", data=form)
    assert resp.status_code == 400
    assert "与单位“县财政局”的名称冲突" in body(resp)
    form.update(aliases="", committee="", parent="")
    resp = admin.post(f"/table/units/{world['own_unit']}/edit", data=form)
    assert resp.status_code == 400 and "须选择对口委员会，或填写所属单位" in body(resp)
    assert "committee" not in re.sub(r"<[^>]*>", " ", body(resp))     # the form's words, not the file's
    with app.app_context():
        assert table.export("nanbu") == before


def test_renaming_a_unit_keeps_its_history_and_old_name(world, app):
    from oa_liaison_plugin.models import Document, Unit, db
    admin = as_user(app, world, "admin1")
    form = {"name": "县教体局", "full_name": "南部县教育和体育局", "committee": "教科文卫体委员会", "parent": "",
            "aliases": "", "former_names": ""}
    assert admin.post(f"/table/units/{world['own_unit']}/edit", data=form).status_code == 302
    with app.app_context():
        unit = db.session.get(Unit, world["own_unit"])
        assert unit.name == "县教体局"
        assert db.session.get(Document, world["own_document"]).unit_id == unit.id
        assert app.extensions["oa_liaison"].resolver().resolve("县教育局").unit == "县教体局"
    assert "义务教育均衡发展" in body(as_user(app, world, "jyj").get("/documents"))  # the clerk keeps its scope


def test_a_unit_with_sub_units_cannot_be_deleted(lite_world, lite_app):
    admin = as_user(lite_app, lite_world, "admin1")
    resp = admin.post(f"/table/units/{lite_world['parent_unit']}/delete", data={"confirmed": "1"},
                      follow_redirects=True)
    assert "未能删除" in body(resp) and "未知单位“县政府办”" in body(resp)


def test_patterns_new_invalid_and_delete(lite_world, lite_app):
    admin = as_user(lite_app, lite_world, "admin1")
    resp = admin.post("/table/patterns/new", data={"name": "各卫生院", "committee": "教科文卫体委员会",
                                                   "regex": "卫生院(", "note": ""})
    assert resp.status_code == 400 and "正则表达式无效" in body(resp)
    resp = admin.post("/table/patterns/new", data={"name": "各卫生院", "committee": "教科文卫体委员会",
                                                   "regex": "卫生院$", "note": "乡镇卫生院"})
    assert resp.status_code == 302
    with lite_app.app_context():
        assert lite_app.extensions["oa_liaison"].resolver().resolve("南部县建兴镇卫生院").matched_by == "pattern"
    asked = admin.post("/table/patterns/各卫生院/delete")
    assert asked.status_code == 200 and "确认删除“各卫生院”" in body(asked) and "各卫生院" in body(admin.get("/table"))
    assert admin.post("/table/patterns/各卫生院/delete", data={"confirmed": "1"}).status_code == 302
    assert "各卫生院" not in body(admin.get("/table"))


def test_table_export_and_import(lite_world, lite_app):
    admin = as_user(lite_app, lite_world, "admin1")
    resp = admin.get("/table/export")
    data = json.loads(resp.data)
    assert resp.headers["Content-Disposition"].startswith("attachment")
    assert data["format"] == "oa-liaison-table"
    next(u for u in data["units"] if u["name"] == "县文联")["aliases"].append("南部县新华书店")
    upload = {"file": (io.BytesIO(json.dumps(data, ensure_ascii=False).encode()), "table.json")}
    asked = admin.post("/table/import", data=upload, content_type="multipart/form-data")
    assert asked.status_code == 200 and "确认导入" in body(asked)   # the difference first, nothing loaded
    assert "南部县新华书店" in body(admin.get("/unmatched"))
    assert admin.post("/table/import", data={"confirmed": "1", "text": json.dumps(data, ensure_ascii=False)}
                      ).status_code == 302
    assert "没有待映射的发文单位" in body(admin.get("/unmatched"))  # the held document was routed
    bad = {"file": (io.BytesIO(b"{not json"), "table.json")}
    resp = admin.post("/table/import", data=bad, content_type="multipart/form-data")
    assert resp.status_code == 400 and "不是有效的 JSON" in body(resp)
    data["units"].append({"name": "县火星局", "committee": "火星委员会"})
    upload = {"file": (io.BytesIO(json.dumps(data, ensure_ascii=False).encode()), "table.json")}
    resp = admin.post("/table/import", data=upload, content_type="multipart/form-data")
    assert resp.status_code == 400 and "未知委员会“火星委员会”" in body(resp)
    resp = admin.post("/table/import", data={"file": (io.BytesIO(b"x"), "table.exe")},
                      content_type="multipart/form-data")
    assert resp.status_code == 400 and "只能上传 .json 文件" in body(resp)


# ------------------------------------------------------------------------------------- rules


def _rule_form(**changes):
    form = {"name": "校园安全", "action": "important", "committee": "",
            "match": "any", "fields_": ["title"], "terms": "校园安全\n学校安全", "pattern": "", "order": "185",
            "enabled": "y", "note": "测试"}
    form.update(changes)
    return form


def test_rules_add_edit_disable_and_order(world, app):
    from oa_liaison_plugin.decision import ruleset
    admin = as_user(app, world, "admin1")
    assert admin.post("/rules/new", data=_rule_form()).status_code == 302   # the program numbers it: rule-1
    liaison = app.extensions["oa_liaison"]

    def rule(rid):
        with app.app_context():
            return next(r for r in ruleset.rules_of(liaison.jurisdiction()) if r["id"] == rid)

    assert rule("rule-1")["terms"] == ["校园安全", "学校安全"]
    assert admin.post("/rules/rule-1/edit", data=_rule_form(terms="校园安全")).status_code == 302
    assert rule("rule-1")["terms"] == ["校园安全"]
    assert admin.post("/rules/rule-1/toggle").status_code == 302
    assert rule("rule-1")["enabled"] is False
    with app.app_context():
        assert "rule-1" not in [r["id"] for r in liaison.ruleset().rules]
    with app.app_context():
        ids = [r["id"] for r in ruleset.rules_of(liaison.jurisdiction())]
    i = ids.index("rule-1")
    assert admin.post("/rules/rule-1/move", data={"direction": "up"}).status_code == 302
    with app.app_context():
        moved = [r["id"] for r in ruleset.rules_of(liaison.jurisdiction())]
    assert moved.index("rule-1") == i - 1 and moved[i] == ids[i - 1]


@pytest.mark.parametrize("changes,field,message", [
    ({"match": "regex", "pattern": "(a+)+$", "terms": ""}, "pattern", "灾难性回溯"),
    ({"match": "regex", "pattern": "[", "terms": ""}, "pattern", "正则表达式无效"),
    ({"terms": ""}, "terms", "请至少填写一个词语（每行一个）"),
    ({"match": "regex", "pattern": "", "terms": ""}, "pattern", "请填写正则表达式"),
    ({"action": "committee", "committee": ""}, "committee", "请选择要加送的委员会"),
    ({"order": "abc"}, "order", "不是有效的整数"),
    ({"fields_": []}, "fields_", "至少选一处"),
])
def test_rule_errors_are_form_errors(lite_world, lite_app, changes, field, message):
    admin = as_user(lite_app, lite_world, "admin1")
    resp = admin.post("/rules/new", data=_rule_form(**changes))
    html = body(resp)
    assert resp.status_code == 400
    block = re.search(rf'<div class="field has-error[^"]*">\s*<label for="{field}"', html)
    assert block, html[html.find("errors"):][:600]
    assert message in html
    assert not re.search(r"\b(?:terms|pattern|match|regex)\b", re.sub(r"<[^>]*>", " ", html))   # the form's words


# ------------------------------------------------------------------------------- rule tester


def test_rule_tester_typed_and_uploaded_nothing_stored(lite_world, lite_app):
    from oa_liaison_plugin.documents.samples import make_issued_docx
    from oa_liaison_plugin.models import Decision, Document, db
    with lite_app.app_context():
        counts = (db.session.scalar(select(func.count(Document.id))),
                  db.session.scalar(select(func.count(Decision.id))))
    clerk = as_user(lite_app, lite_world, "jyj")
    resp = clerk.post("/tester", data={"issuer": "南部县教育局", "title": "关于印发《南部县教育改革实施方案》的通知"})
    html = body(resp)
    assert resp.status_code == 200 and "会抄送" in html and "教科文卫体委员会" in html and "实施方案" in html
    docx = make_issued_docx(issuer="南部县财政局", doc_number="南财发〔2017〕1号", title="关于2017年春节放假安排的通知",
                            main_recipients=["县级各部门"], body_paragraphs=["放假安排如下。"], date=dt.date(2017, 1, 20))
    resp = clerk.post("/tester", data={"file": (io.BytesIO(docx), "放假.docx")},
                      content_type="multipart/form-data")
    html = body(resp)
    assert "不抄送" in html and "放假安排" in html and "试算的文件：放假.docx" in html
    resp = clerk.post("/tester", data={"issuer": "南部县火星局", "title": "关于重大事项的意见"})
    assert "发文单位不在对口联系表中" in body(resp)
    with lite_app.app_context():
        assert counts == (db.session.scalar(select(func.count(Document.id))),
                          db.session.scalar(select(func.count(Decision.id))))


def test_rule_tester_shows_the_rules_a_title_almost_matched(lite_world, lite_app):
    """A title that did not qualify shows the near-miss rules and terms, so an admin sees which term to add."""
    admin = as_user(lite_app, lite_world, "admin1")
    html = body(admin.post("/tester", data={"issuer": "南部县公安局", "title": "关于南部县城区道路交通秩序整治安排的通知"}))
    assert "不抄送" in html and "差一点命中的规则" in html
    assert "交通运输" in html and "有“交通”" in html                     # the topic rule's term, and what it shares
    html = body(admin.post("/tester", data={"issuer": "南部县公安局", "title": "关于提请县人大常委会的报告"}))
    assert "缺少“审议”" in html                                              # an all-terms rule short of one term
    html = body(admin.post("/tester", data={"issuer": "南部县教育局", "title": "关于做好秋季开学工作的通知"}))
    assert "差一点命中的规则" not in html                                    # sharing only 工作 is no near miss


def test_rule_tester_reads_any_format_and_says_what_it_cannot_read(lite_world, lite_app):
    admin = as_user(lite_app, lite_world, "admin1")
    for name, data, message in (("a.pdf", b"%PDF-1.4", "PDF"),
                                ("a.docx", b"just some text", "无法识别的文件格式"),
                                ("a.docx", b"PK\x03\x04broken zip", "文件无法读取")):
        resp = admin.post("/tester", data={"file": (io.BytesIO(data), name)},
                          content_type="multipart/form-data")
        page = body(resp)
        assert resp.status_code in (200, 400) and message in page and "暂存" in page, name
        assert "另存为 .docx" not in page
    resp = admin.post("/tester", data={})
    assert resp.status_code == 400 and "请上传文件，或至少填写发文单位" in body(resp)
    resp = admin.post("/tester", data={"issuer": "南部县教育局", "doc_type": "通" * 40})
    assert resp.status_code == 400 and "字段长度不能超过 16 个字符" in body(resp)


def test_oversize_upload_gets_a_friendly_413(lite_world, lite_app):
    lite_app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    admin = as_user(lite_app, lite_world, "admin1")
    resp = admin.post("/tester", data={"file": (io.BytesIO(b"PK\x03\x04" + b"0" * 200_000), "big.docx")},
                      content_type="multipart/form-data")
    assert resp.status_code == 413 and "文件太大" in body(resp) and "64 KB" in body(resp)


# ----------------------------------------------------------------------------- unmatched queue


def test_map_an_unmatched_issuer_routes_the_held_documents(world, app):
    from oa_liaison_plugin.models import Copy, Document, db
    from oa_liaison_plugin.web.models import AuditEntry
    admin = as_user(app, world, "admin1")
    page = body(admin.get("/unmatched"))
    assert "南部县新华书店" in page and "1 份文件" in page and "全民阅读" in page
    resp = admin.post("/unmatched/map", data={"issuer": "南部县新华书店", "unit": "县火星局"}, follow_redirects=True)
    assert "对口联系表中没有单位“县火星局”" in body(resp)
    asked = body(admin.post("/unmatched/map", data={"issuer": "南部县新华书店", "unit": "县文联"}))
    assert "即将把“南部县新华书店”登记为“县文联”的别名，1 份暂存的文件随即" in asked and "确认映射并分送" in asked
    with app.app_context():
        assert db.session.get(Document, world["unmatched_document"]).status == "unmatched"   # not yet
    resp = admin.post("/unmatched/map", data={"issuer": "南部县新华书店", "unit": "县文联", "confirmed": "1"},
                      follow_redirects=True)
    assert "1 份暂存的文件已按对口关系分送" in body(resp)
    with app.app_context():
        doc = db.session.get(Document, world["unmatched_document"])
        assert doc.status == "routed"
        assert db.session.scalar(select(func.count(Copy.id)).where(Copy.document_id == doc.id)) == 1
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "unmatched.map"))
        assert entry.username == "admin1" and "南部县新华书店" in entry.after["aliases"]
        assert "南部县新华书店" not in entry.before["aliases"]


def test_names_with_html_are_shown_escaped(lite_world, lite_app):
    host = lite_world["host"]
    host.issue(issuer='<script>alert("x")</script>局', title="<b>粗体</b>标题", issued_on="2017-05-01")
    html = body(as_user(lite_app, lite_world, "admin1").get("/unmatched"))
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    assert "<b>粗体</b>" not in html and "&lt;b&gt;粗体" in html


# ---------------------------------------------------------------------------------- deliveries


def test_deliveries_filter_and_retry(lite_world, lite_app):
    from oa_liaison_plugin.models import Copy, db
    host = lite_world["host"]
    host.fail_deliveries = 10
    host.issue(issuer="南部县财政局", title="关于提请审议《2017年县级预算调整方案》的报告",
               main_recipients=["南部县人民代表大会常务委员会"], issued_on="2017-06-12")
    admin = as_user(lite_app, lite_world, "admin1")
    failed = body(admin.get("/deliveries?status=failed"))
    assert "预算调整方案" in failed and "义务教育" not in failed and "参考主办系统收件服务暂不可用" in failed
    assert "预算调整方案" not in body(admin.get("/deliveries?status=delivered"))
    with lite_app.app_context():
        copy = db.session.scalar(select(Copy).where(Copy.last_error.is_not(None)))
        copy_id, committee_id = copy.id, copy.committee_id
    assert "预算调整方案" in body(admin.get(f"/deliveries?committee={committee_id}"))
    assert "预算调整方案" not in body(admin.get(f"/deliveries?unit={lite_world['own_unit']}"))
    assert "预算调整方案" not in body(admin.get("/deliveries?to=2000-01-01"))
    assert "预算调整方案" in body(admin.get(f"/deliveries?from={dt.date.today() - dt.timedelta(days=1)}"))
    detail = body(admin.get(f"/deliveries/{copy_id}"))
    assert "提请人大常委会审议" in detail and "暂不可用" in detail
    host.fail_deliveries = 0
    resp = admin.post(f"/deliveries/{copy_id}/retry", follow_redirects=True)
    assert "已重试：送达" in body(resp)
    with lite_app.app_context():
        assert db.session.get(Copy, copy_id).status == "delivered"
    assert "没有投递失败的抄送" in body(admin.post("/deliveries/retry-failed", follow_redirects=True))
    assert admin.get("/deliveries?status=bogus&committee=abc&from=yesterday").status_code == 200


# --------------------------------------------------------------------------- inbox and receipts


def test_mark_read_notifies_the_sender_once_and_the_unit_sees_the_receipt(world, app):
    from oa_liaison_plugin.models import Copy, db
    committee = as_user(app, world, "jkwwt")
    assert "未读" in body(committee.get("/inbox?unread=1"))
    file = committee.get(f"/inbox/{world['own_copy']}/file")
    assert file.status_code == 200 and file.data[:2] == b"PK"
    assert committee.post(f"/inbox/{world['own_copy']}/read").status_code == 302
    assert committee.post(f"/inbox/{world['own_copy']}/read").status_code == 302  # twice: one receipt
    with app.app_context():
        assert db.session.get(Copy, world["own_copy"]).read_at is not None
    notes = [m for m in world["host"].messages() if m.subject.startswith("已读回执")]
    assert len(notes) == 1 and notes[0].recipient == {"role": "unit", "unit": "县教育局", "jurisdiction": "nanbu"}
    assert "教科文卫体委员会已于" in notes[0].body
    receipts = body(as_user(app, world, "jyj").get("/documents"))
    assert "已读 " in receipts
    assert "已读" in body(as_user(app, world, "jyj").get(f"/documents/{world['own_document']}"))


def test_a_failing_notify_does_not_undo_the_read_receipt(lite_world, lite_app):
    from oa_liaison_plugin import hookimpl
    from oa_liaison_plugin.models import Copy, EventError, db

    class Broken:
        @hookimpl
        def notify(self, liaison, recipient, subject, body):
            raise ConnectionError("消息服务不可用")

    lite_app.extensions["oa_liaison"].pm.register(Broken())
    committee = as_user(lite_app, lite_world, "jkwwt")
    assert committee.post(f"/inbox/{lite_world['own_copy']}/read").status_code == 302
    with lite_app.app_context():
        assert db.session.get(Copy, lite_world["own_copy"]).read_at is not None
        assert db.session.scalar(select(EventError).where(EventError.event == "notify")) is not None


# -------------------------------------------------------------------------------------- drafts


def _docx_text(data: bytes) -> str:
    import zipfile
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return re.sub(r"<[^>]+>", "", z.read("word/document.xml").decode("utf-8"))


def test_reply_draft_is_prefilled_and_rendered(lite_world, lite_app):
    clerk = as_user(lite_app, lite_world, "jyj")
    url = f"/drafts/reply/{lite_world['own_submission']}"
    page = body(clerk.get(url))
    assert "关于加强农村寄宿制学校建设的建议" in page and "南部县教育局" in page and "县政协教科文卫体委员会" in page
    form = {"kind": "提案", "title": "关于加强农村寄宿制学校建设的建议", "number": "第12号", "received": "2017-03-10",
            "category": "B", "signer": "王明", "contact": "李华", "phone": "0817-5512345", "unit": "南部县教育局",
            "committee": "县政协教科文卫体委员会", "doc_number": "南教函〔2017〕5号", "date": "2017-05-20"}
    resp = clerk.post(url, data={**form, "phone": "打电话"})
    assert resp.status_code == 400 and "联系电话" in body(resp)
    resp = clerk.post(url, data={**form, "doc_number": "南教发〔2017〕5号"})
    assert resp.status_code == 400 and "函" in body(resp)
    resp = clerk.post(url, data=form)
    assert resp.status_code == 200 and resp.mimetype.endswith("wordprocessingml.document")
    assert "attachment" in resp.headers["Content-Disposition"]
    text = _docx_text(resp.data)
    assert "寄宿制学校建设" in text and "王明" in text and "县政协教科文卫体委员会" in text
    assert "王明" in body(clerk.get(url))  # the signer is remembered for the next draft


def test_consultation_and_minutes_drafts(lite_world, lite_app):
    clerk = as_user(lite_app, lite_world, "jyj")
    url = f"/drafts/consultation/{lite_world['own_consultation']}"
    page = body(clerk.get(url))
    assert "关于全县中小学布局调整的意见" in page
    form = {"title": "关于全县中小学布局调整的意见", "summary": "中小学布局调整属重大事项。", "due": "2017-06-16",
            "unit": "南部县教育局", "committee": "县政协教科文卫体委员会", "doc_number": "南教函〔2017〕6号",
            "date": "2017-06-01", "contact": "李华", "phone": "0817-5512345"}
    resp = clerk.post(url, data=form)
    assert resp.status_code == 200 and "意见反馈表" in _docx_text(resp.data)
    committee = as_user(lite_app, lite_world, "jkwwt")
    url = f"/drafts/minutes/{lite_world['own_meeting']}"
    page = body(committee.get(url))
    assert "县政协教科文卫体委员会" in page and 'value="1"' in page
    form = {"committee": "县政协教科文卫体委员会", "year": "2017", "seq": "1", "held_on": "2017-03-15",
            "place": "县政协三楼会议室", "chair": "县政协副主席 陈刚",
            "attendees": "县政协教科文卫体委员会 主任 陈刚\n县教育局 局长 王明\n周敏", "absent": "",
            "topics": "义务教育均衡发展", "decisions": "开展专题协商"}
    resp = committee.post(url, data=form)
    text = _docx_text(resp.data)
    assert resp.status_code == 200 and "王明" in text and "开展专题协商" in text
    resp = committee.post(url, data={**form, "year": "abc", "attendees": ""})
    assert resp.status_code == 400 and "请填写此项" in body(resp)


# ------------------------------------------------------------------------------------ audit log


def test_audit_log_records_before_and_after_and_is_append_only(world, app):
    from oa_liaison_plugin.models import db
    from oa_liaison_plugin.web.models import AuditEntry
    admin = as_user(app, world, "admin1")
    admin.post("/rules/npc-title/toggle")
    listing = body(admin.get("/audit"))
    assert "停用规则" in listing and "npc-title" not in listing and "规则“标题含提请人大常委会审议”" in listing
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "rule.disable"))
        assert entry.before == {"enabled": True} and entry.after == {"enabled": False}
        entry_id = entry.id
    detail = body(as_user(app, world, "audit1").get(f"/audit/{entry_id}"))
    # a table of the changed fields, in words: no JSON, no English keys
    assert re.search(r'data-label="项目">启用</td><td data-label="改前">是</td><td data-label="改后">否</td>', detail)
    assert "enabled" not in detail and "rule.disable" not in detail
    assert all(r.methods - {"HEAD", "OPTIONS"} == {"GET"} for r in app.url_map.iter_rules()
               if r.endpoint.startswith("audit."))
    with app.app_context():
        for statement in ("UPDATE liaison_audit SET username = 'x'", "DELETE FROM liaison_audit"):
            with pytest.raises(Exception, match="append-only"):
                with db.engine.begin() as conn:
                    conn.execute(text(statement))
        assert db.session.scalar(select(func.count(AuditEntry.id))) >= 1


def test_a_failed_change_leaves_no_audit_entry(lite_world, lite_app):
    from oa_liaison_plugin.models import db
    from oa_liaison_plugin.web.models import AuditEntry
    admin = as_user(lite_app, lite_world, "admin1")
    with lite_app.app_context():   # the world's own host events are audited (host:…)
        before = db.session.scalar(select(func.count(AuditEntry.id)))
    admin.post("/rules/new", data=_rule_form(match="regex", pattern="[", terms=""))
    admin.post(f"/table/units/{lite_world['own_unit']}/edit",
               data={"name": "县教育局", "committee": "", "parent": ""})
    with lite_app.app_context():
        assert db.session.scalar(select(func.count(AuditEntry.id))) == before


# ------------------------------------------------------------------------------- error pages


def test_error_pages_in_chinese(lite_world, lite_app):
    def boom():
        raise RuntimeError("kaput")
    lite_app.add_url_rule("/boom-for-test", "boom_for_test", boom)
    clerk = as_user(lite_app, lite_world, "jyj")
    for path, method, code, words in (("/no/such/page", "GET", 404, "页面不存在"),
                                      ("/logout", "GET", 405, "操作方式不对"),
                                      ("/rules", "GET", 403, "无权访问"),
                                      ("/boom-for-test", "GET", 500, "系统出错")):
        resp = clerk.open(path, method=method)
        assert resp.status_code == code and words in body(resp) and "Traceback" not in body(resp)
    resp = clerk.get("/no/such/page", headers={"Accept": "application/json"})
    assert resp.status_code == 404 and resp.json["error"] == "页面不存在"
    assert clerk.get("/documents?before=99999999999999999999999").status_code == 200
    assert clerk.get("/unmatched?offset=-5").status_code == 403


# -------------------------------------------------------------------------------- users and CLI


def test_admin_adds_users_with_a_checked_scope(lite_world, lite_app):
    admin = as_user(lite_app, lite_world, "admin1")
    new = {"username": "cz-clerk", "role": "unit", "unit": "南部县火星局", "committee": "",
           "password": "password-123", "again": "password-123"}
    resp = admin.post("/users/new", data=new)
    assert resp.status_code == 400 and "对口联系表中没有单位“南部县火星局”" in body(resp)
    assert admin.post("/users/new", data={**new, "unit": "南部县财政局"}).status_code == 302
    assert login(lite_app.test_client(), "cz-clerk", "password-123").status_code == 302
    resp = admin.post("/users/new", data={**new, "unit": "南部县财政局"})
    assert "已存在" in body(resp)
    resp = admin.post("/users/new", data={**new, "username": "<b>x</b>"})
    assert resp.status_code == 400 and "<b>x</b>" not in body(resp)


def test_ensure_demo_users(lite_app):
    from oa_liaison_plugin.web import ensure_demo_users
    first = ensure_demo_users(lite_app)
    assert [(u, r) for u, _, r, _ in first] == [("demo-admin", "admin"), ("demo-unit", "unit"),
                                                ("demo-committee", "committee"), ("demo-auditor", "auditor")]
    assert ensure_demo_users(lite_app) == first
    lite_app.config["WTF_CSRF_ENABLED"] = False
    for username, password, role, scope in first:
        assert login(lite_app.test_client(), username, password).status_code == 302, username
    assert first[1][3] == "县教育局" and first[2][3] == "教科文卫体委员会"


def _cli(tmp_path, *args, input=None, env=None):
    from click.testing import CliRunner

    from oa_liaison_plugin.cli import main
    return CliRunner().invoke(main, ["--instance", str(tmp_path / "inst"), *args], input=input,
                              env={"OA_LIAISON_SECRET_KEY": None, "OA_LIAISON_PASSWORD": None, **(env or {})})


def test_cli_users_add_reads_the_password_from_stdin_or_env(tmp_path):
    r = _cli(tmp_path, "users", "add", "jyj", "--role", "unit", "--unit", "南部县教育局", input="pw-from-stdin-1\n")
    assert r.exit_code == 0 and "县教育局" in r.output, r.output
    r = _cli(tmp_path, "users", "add", "wy", "--role", "committee", "--committee", "县政协教科文卫体委员会",
             env={"OA_LIAISON_PASSWORD": "pw-from-env-12"})
    assert r.exit_code == 0 and "教科文卫体委员会" in r.output, r.output
    r = _cli(tmp_path, "users", "add", "x1", "--role", "unit", "--unit", "南部县火星局", input="pw-from-stdin-1\n")
    assert r.exit_code != 0 and "没有单位" in r.output
    r = _cli(tmp_path, "users", "add", "x2", "--role", "admin", input="short\n")
    assert r.exit_code != 0 and "至少 8 个字符" in r.output
    r = _cli(tmp_path, "users", "add", "x3", "--role", "admin", "--password", "secret-123")
    assert r.exit_code == 2  # no such option: a password never goes on the command line
    r = _cli(tmp_path, "users", "add", "x4", "--role", "admin", input="")
    assert r.exit_code != 0 and "标准输入" in r.output
    r = _cli(tmp_path, "users", "list")
    assert "jyj\tunit\t县教育局" in r.output and "wy\tcommittee\t教科文卫体委员会" in r.output
    r = _cli(tmp_path, "users", "passwd", "jyj", input="another-pass-1\n")
    assert r.exit_code == 0


def test_cli_serve_refuses_without_a_secret_key(tmp_path):
    r = _cli(tmp_path, "serve", "--port", "0")
    assert r.exit_code == 1 and "OA_LIAISON_SECRET_KEY" in r.output and "Traceback" not in r.output
