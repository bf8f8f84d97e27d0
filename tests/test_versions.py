"""Optimistic locking (issue 22, item 4): a form saved over a newer version is a conflict page, nothing overwritten."""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from click.testing import CliRunner
from sqlalchemy import select, text

from conftest import make_app, upgraded_from
from test_web_support import build_world, session_client


class _Fields(HTMLParser):
    """A page's form as a browser would submit it unchanged: inputs, checked boxes, selected options, textareas."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.data.setdefault(name, []).append(a.get("value", "y" if a.get("type") == "checkbox" else ""))
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.data.setdefault(self._select, []).append(a.get("value", ""))
        elif tag == "textarea":
            self._textarea = name
            self.data.setdefault(name, []).append("")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][-1] += data.lstrip("\n") if not self.data[self._textarea][-1] else data


def form_of(resp) -> dict:
    assert resp.status_code == 200, resp.status_code
    parser = _Fields()
    parser.feed(resp.get_data(as_text=True))
    return {k: v if len(v) > 1 else v[0] for k, v in parser.data.items() if k != "csrf_token"}


@pytest.fixture(scope="module")
def two_admins(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("versions")
    app = make_app(f"sqlite:///{tmp / 'v.sqlite3'}", tmp / "instance", WTF_CSRF_ENABLED=False)
    world = build_world(app)
    from oa_liaison_plugin.models import db
    from oa_liaison_plugin.web.users.accounts import create_user
    with app.app_context():
        create_user(app.extensions["oa_liaison"], username="admin2", password="x" * 12, role="admin")
        db.session.commit()
    yield app, world, session_client(app, "admin1", world), session_client(app, "admin2", world)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _aliases(app, unit_id):
    from oa_liaison_plugin.models import Unit, db
    from oa_liaison_plugin.table.ops import unit_spec
    with app.app_context():
        return unit_spec(db.session.get(Unit, unit_id)).get("aliases", [])


def test_a_unit_saved_over_a_newer_version_is_a_conflict_and_keeps_theirs(two_admins):
    app, world, first, second = two_admins
    url = f"/table/units/{world['own_unit']}/edit"
    mine, theirs = form_of(first.get(url)), form_of(second.get(url))
    theirs["aliases"] = (theirs["aliases"] + "\n县教体局").strip()
    assert second.post(url, data=theirs).status_code == 302
    mine["aliases"] = (mine["aliases"] + "\n县教育和体育局").strip()
    resp = first.post(url, data=mine)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 409 and "他人" in page
    assert "县教体局" in page and "县教育和体育局" in page   # theirs and yours, side by side
    aliases = _aliases(app, world["own_unit"])
    assert "县教体局" in aliases and "县教育和体育局" not in aliases
    again = form_of(first.get(url))   # reloaded: theirs is in the form, and saving on top of it works
    again["aliases"] = again["aliases"] + "\n县教育和体育局"
    assert first.post(url, data=again).status_code == 302
    assert {"县教体局", "县教育和体育局"} <= set(_aliases(app, world["own_unit"]))


def _terms(app, rule_id):
    from oa_liaison_plugin.decision import ruleset
    with app.app_context():
        jur = app.extensions["oa_liaison"].jurisdiction()
        return next(r for r in ruleset.rules_of(jur) if r["id"] == rule_id)["terms"]


def test_a_hold_term_just_added_is_not_wiped_by_a_stale_rule_form(two_admins):
    app, _, first, second = two_admins
    url = "/rules/hold-title-internal/edit"
    mine, theirs = form_of(first.get(url)), form_of(second.get(url))
    theirs["terms"] = theirs["terms"].rstrip() + "\n不宜公开"
    assert second.post(url, data=theirs).status_code == 302
    mine["name"] = mine["name"] + "（改）"
    resp = first.post(url, data=mine)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 409 and "不宜公开" in page and mine["name"] in page
    assert "不宜公开" in _terms(app, "hold-title-internal")


def test_a_stale_form_after_a_toggle_is_a_conflict(two_admins):
    app, _, first, second = two_admins
    url = "/rules/hold-body-restricted/edit"
    mine = form_of(first.get(url))
    assert second.post("/rules/hold-body-restricted/toggle").status_code == 302
    assert first.post(url, data=mine).status_code == 409


def test_versions_start_at_one_after_the_upgrade(db_url):
    def seed(conn):
        conn.execute(text("INSERT INTO liaison_committee (id, jurisdiction_id, name, aliases, position) "
                          "VALUES (1, 1, '提案委员会', '[]', 0)"))
        conn.execute(text("INSERT INTO liaison_unit (id, jurisdiction_id, name, position) VALUES (1, 1, '县教育局', 0)"))
        conn.execute(text("INSERT INTO liaison_rule (id, jurisdiction_id, rule_id, position, enabled, data) "
                          "VALUES (1, 1, 'r1', 0, true, '{}')"))
        return lambda c: [c.execute(text(f"SELECT version FROM {t}")).scalar_one()
                          for t in ("liaison_unit", "liaison_rule")]
    assert upgraded_from(db_url, "0010", seed) == [1, 1]


def test_a_name_mapped_since_the_form_was_loaded_is_not_wiped(two_admins):
    app, world, first, _ = two_admins
    url = f"/table/units/{world['own_unit']}/edit"
    mine = form_of(first.get(url))
    from oa_liaison_plugin.models import db
    from oa_liaison_plugin.table.ops import add_alias
    with app.app_context():   # what `table map` and the unmatched page do
        add_alias(app.extensions["oa_liaison"].jurisdiction(), "县教育局", "南部县教育局办公室")
        db.session.commit()
    assert first.post(url, data=mine).status_code == 409
    assert "南部县教育局办公室" in _aliases(app, world["own_unit"])


def test_a_unit_form_loaded_before_a_table_load_is_stale(two_admins):
    app, world, first, _ = two_admins
    url = f"/table/units/{world['own_unit']}/edit"
    mine = form_of(first.get(url))
    from oa_liaison_plugin.models import db
    from oa_liaison_plugin.table import file as table
    with app.app_context():
        data = table.export("nanbu")
        table.load(data)
        db.session.commit()
    assert first.post(url, data=mine).status_code == 409


# ---------------------------------------------------------------- patterns, hosts, users, meeting records


def _stale_save(first, second, url, theirs_change, mine_change, form=None):
    """Both load the form at one version; the second saves first (302); the first's save is answered."""
    load = form or (lambda client: form_of(client.get(url)))
    mine, theirs = load(first), load(second)
    theirs_change(theirs)
    assert second.post(url, data=theirs).status_code == 302
    mine_change(mine)
    return first.post(url, data=mine)


def _conflict(resp, *shown):
    page = resp.get_data(as_text=True)
    assert resp.status_code == 409 and "已被他人修改" in page and "没有保存" in page, resp.status_code
    for text_ in shown:
        assert text_ in page, text_


def _read(app, query):
    from oa_liaison_plugin.models import db
    with app.app_context():
        return query(db.session)


def _cli(app, *args, env=None):
    from oa_liaison_plugin.cli import main
    result = CliRunner().invoke(main, list(args), env={"OA_LIAISON_INSTANCE_PATH": app.instance_path,
                                                        "OA_LIAISON_DATABASE_URL": app.config["DATABASE_URL"],
                                                        **(env or {})})
    assert result.exit_code == 0, result.output
    return result


def _pattern(app, name):
    from oa_liaison_plugin.models import UnitPattern
    return _read(app, lambda s: s.scalar(select(UnitPattern).where(UnitPattern.name == name)))


def test_a_pattern_saved_over_a_newer_version_is_a_conflict_and_keeps_theirs(two_admins):
    app, world, first, second = two_admins
    url = f"/table/patterns/{world['pattern']}/edit"
    before = _pattern(app, world["pattern"]).regex
    resp = _stale_save(first, second, url, lambda f: f.update(regex=f["regex"] + "|县属学校"),
                       lambda f: f.update(note="改过的说明"))
    _conflict(resp, "县属学校", "改过的说明", "正则表达式（不同）", "说明（不同）")
    pattern = _pattern(app, world["pattern"])
    assert pattern.regex == before + "|县属学校" and pattern.note != "改过的说明"


def test_a_pattern_form_loaded_before_a_table_load_is_stale(two_admins):
    app, world, first, _ = two_admins
    url = f"/table/patterns/{world['pattern']}/edit"
    mine = form_of(first.get(url))
    from oa_liaison_plugin.models import db
    from oa_liaison_plugin.table import file as table
    with app.app_context():   # what `oa-liaison table load` does: the pattern rows are written anew
        table.load(table.export("nanbu"))
        db.session.commit()
    mine["note"] = "表格导入前打开的表单"
    _conflict(first.post(url, data=mine))
    assert _pattern(app, world["pattern"]).note != "表格导入前打开的表单"


@pytest.fixture(scope="module")
def gateway(two_admins):
    app = two_admins[0]
    from oa_liaison_plugin.http import hosts
    from oa_liaison_plugin.models import db
    with app.app_context():
        hosts.add(app.config, "oa-gw", "nanbu")
        db.session.commit()
    return "oa-gw"


def _host_form(client, name):
    """The host's row form on the hosts page, as the browser would post it."""
    page = client.get("/hosts").get_data(as_text=True)
    found = re.search(rf'<form[^>]*action="/hosts/{name}/require-file".*?</form>', page, re.S)
    assert found, "no require-file form for the host"
    parser = _Fields()
    parser.feed(found.group())
    return {k: v[0] for k, v in parser.data.items() if k != "csrf_token"}


def _require_file(app, name):
    from oa_liaison_plugin.models import HttpHost
    return _read(app, lambda s: s.scalar(select(HttpHost.require_file).where(HttpHost.name == name)))


def test_a_host_setting_saved_over_a_newer_version_is_a_conflict_and_keeps_theirs(two_admins, gateway):
    app, _, first, second = two_admins
    url = f"/hosts/{gateway}/require-file"
    resp = _stale_save(first, second, url, lambda f: f.update(require_file="yes"),
                       lambda f: f.update(require_file="no"), form=lambda c: _host_form(c, gateway))
    _conflict(resp, "暂存，待人工核对密级", "按主办系统标注的密级判断")
    assert _require_file(app, gateway) is True


def test_a_host_form_loaded_before_hosts_update_is_stale(two_admins, gateway):
    app, _, first, _ = two_admins
    mine = _host_form(first, gateway)
    _cli(app, "hosts", "update", gateway, "--no-require-file")
    mine["require_file"] = ""
    _conflict(first.post(f"/hosts/{gateway}/require-file", data=mine))
    assert _require_file(app, gateway) is False


def _user(app, name):
    from oa_liaison_plugin.web.models import User
    return _read(app, lambda s: s.scalar(select(User).where(User.username == name)))


def test_a_user_saved_over_a_newer_version_is_a_conflict_and_keeps_theirs(two_admins):
    app, world, first, second = two_admins
    url = f"/users/{_user(app, 'zrzy').id}/edit"
    resp = _stale_save(first, second, url, lambda f: f.pop("active"),
                       lambda f: f.update(password="new-secret-2017"))
    _conflict(resp, "启用（不同）")
    user = _user(app, "zrzy")
    assert not user.active and not user.check_password("new-secret-2017")


def test_a_user_form_loaded_before_users_passwd_is_stale(two_admins):
    app, _, first, _ = two_admins
    url = f"/users/{_user(app, 'cjhz').id}/edit"
    mine = form_of(first.get(url))
    _cli(app, "users", "passwd", "cjhz", env={"OA_LIAISON_PASSWORD": "from-the-cli-2017"})
    mine["password"] = "from-the-panel-2017"
    _conflict(first.post(url, data=mine))
    assert _user(app, "cjhz").check_password("from-the-cli-2017")


def _meeting(app, meeting_id):
    from oa_liaison_plugin.models import Meeting
    return _read(app, lambda s: s.get(Meeting, meeting_id))


def test_a_meeting_record_saved_over_a_newer_version_is_a_conflict_and_keeps_theirs(two_admins):
    app, world, first, second = two_admins
    url = f"/meetings/{world['own_meeting']}/record"
    resp = _stale_save(first, second, url, lambda f: f.update(place="县政协五楼会议室"),
                       lambda f: f.update(chair="县政协副主席 李强"))
    _conflict(resp, "县政协五楼会议室", "县政协副主席 李强", "会议地点（不同）", "主持人（职务 姓名）（不同）")
    meeting = _meeting(app, world["own_meeting"])
    assert meeting.place == "县政协五楼会议室" and meeting.chair != "县政协副主席 李强"


def test_a_meeting_record_form_shows_the_record_and_saves_it_unchanged(two_admins):
    app, world, first, _ = two_admins
    url = f"/meetings/{world['own_meeting']}/record"
    before = _meeting(app, world["own_meeting"])
    mine = form_of(first.get(url))
    assert mine["place"] == before.place and mine["chair"] == before.chair and len(mine["attendees"]) == 2
    assert "农村寄宿制学校建设" in [v for k, v in mine.items() if k.startswith("agreed_topics-")]   # one row a topic
    assert first.post(url, data=mine).status_code == 302
    after = _meeting(app, world["own_meeting"])
    assert (after.place, after.chair, after.held_on, after.host_id) == (before.place, before.chair, before.held_on,
                                                                       before.host_id)
    from oa_liaison_plugin.web.models import AuditEntry
    entry = _read(app, lambda s: s.scalar(select(AuditEntry).where(AuditEntry.action == "meeting.record")
                                          .order_by(AuditEntry.id.desc())))
    assert entry.target == f"meeting-{world['own_meeting']}" and entry.before["place"] == before.place
    assert "县教育局 局长 王明" in entry.before["attendees"]


def test_a_meeting_record_form_loaded_before_meetings_record_is_stale(two_admins, tmp_path):
    app, world, first, _ = two_admins
    url = f"/meetings/{world['own_meeting']}/record"
    mine = form_of(first.get(url))
    record = {"id": "m-1", "committee": "教科文卫体委员会", "held_on": "2017-03-15", "place": "县教育局会议室",
              "chair": "陈刚", "attendees": ["陈刚", "王明"]}
    (tmp_path / "m.json").write_text(json.dumps(record, ensure_ascii=False), "utf-8")
    _cli(app, "meetings", "record", str(tmp_path / "m.json"))
    mine["place"] = "面板上改的地点"
    _conflict(first.post(url, data=mine))
    assert _meeting(app, world["own_meeting"]).place == "县教育局会议室"


def test_a_meeting_record_form_loaded_before_the_host_reschedules_is_stale(two_admins):
    app, world, first, _ = two_admins
    url = f"/meetings/{world['own_meeting']}/record"
    mine = form_of(first.get(url))
    app.extensions["oa_liaison"].meeting_scheduled({"id": "m-1", "unit": "南部县教育局", "kind": "liaison",
                                                    "title": "2017年第一次对口单位负责人联系会", "held_on": "2017-03-16"})
    mine["place"] = "改期前打开的表单"
    _conflict(first.post(url, data=mine), "2017-03-16", "会议日期（不同）")
    assert _meeting(app, world["own_meeting"]).place != "改期前打开的表单"


@pytest.mark.parametrize("version", ["9" * 30, "-1", "abc"])
def test_a_version_no_row_can_have_is_a_conflict_on_either_database(app, version):
    from oa_liaison_plugin.models import UnitPattern, db
    from oa_liaison_plugin.web.users.accounts import create_user
    with app.app_context():
        create_user(app.extensions["oa_liaison"], username="admin9", password="x" * 12, role="admin")
        db.session.commit()
        name = db.session.scalar(select(UnitPattern.name).order_by(UnitPattern.position))
    app.config["WTF_CSRF_ENABLED"] = False
    client = session_client(app, "admin9", None)
    mine = form_of(client.get(f"/table/patterns/{name}/edit"))
    mine.update(version=version, note="篡改的版本号")
    _conflict(client.post(f"/table/patterns/{name}/edit", data=mine))
    assert _pattern(app, name).note != "篡改的版本号"
