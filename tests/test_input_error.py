"""One input-error type, mapped once per surface: on the form field, exit 2 naming the option, the API's 400."""
from __future__ import annotations

import json

from click.testing import CliRunner

from oa_liaison_plugin.cli import main
from oa_liaison_plugin.errors import InputError


def test_an_operations_bad_input_lands_on_the_field_it_names(lite_app):
    from oa_liaison_plugin.web.forms import input_error
    from oa_liaison_plugin.web.hosts.forms import NewHostForm
    from oa_liaison_plugin.web.meetings.forms import RecordForm
    with lite_app.test_request_context("/", method="POST"):
        form = NewHostForm(formdata=None)
        input_error(form, InputError("callback_url", "回调地址应为 http(s) URL"))
        input_error(form, InputError("jurisdiction", "未知行政区：x"))   # not a field of this form: above it
        assert form.callback_url.errors == ["回调地址应为 http(s) URL"]
        assert form.form_errors == ["“行政区”：未知行政区：x"]
        record = RecordForm(formdata=None)
        input_error(record, InputError("attendees[0]", "“无名氏”不在名单中"))   # a path: its first name
        assert record.attendees.errors == ["“无名氏”不在名单中"]


def test_the_panel_shows_a_hosts_bad_callback_url_on_its_field(tmp_path):
    from conftest import make_app
    from test_web_support import build_world, session_client
    app = make_app(f"sqlite:///{tmp_path / 'p.sqlite3'}", tmp_path / "instance", WTF_CSRF_ENABLED=False)
    admin = session_client(app, "admin1", build_world(app))
    page = admin.post("/hosts/new", data={"name": "county-oa", "callback_url": "ftp://127.0.0.1/cb"})
    assert page.status_code == 400
    html = page.get_data(as_text=True)
    field = html.split('name="callback_url"')[1].split('name="allow_origins"')[0]
    assert "回调地址应为 http(s) URL" in field and "字段 callback_url" not in html


def test_a_command_names_the_option_and_exits_2(lite_app):
    env = {"OA_LIAISON_INSTANCE_PATH": lite_app.instance_path,
           "OA_LIAISON_DATABASE_URL": lite_app.config["DATABASE_URL"]}
    r = CliRunner().invoke(main, ["hosts", "add", "oa1", "-j", "nanbu", "--callback-url", "ftp://x/cb", "--json"],
                           env=env)
    assert r.exit_code == 2, r.output
    out = json.loads(r.stdout)
    assert out == {"error": "参数 --callback-url：回调地址应为 http(s) URL：ftp://x/cb", "field": "callback_url"}
    assert "错误：参数 --callback-url：回调地址应为 http(s) URL" in r.stderr and "Traceback" not in r.output
    r = CliRunner().invoke(main, ["submissions", "extend", "nosuch", "--due", "2017-07-01", "--reason", "x"], env=env)
    assert r.exit_code == 2 and "SUBMISSION_ID" in r.stderr
    r = CliRunner().invoke(main, ["leaders", "set", "县教育局", "--name", "王明", "--post", "局长", "--phone", "0817-5512345",
                                  "--since", "2017-02-30"], env=env)   # a field the command passes on: named too
    assert r.exit_code == 2 and "参数 --since：" in r.stderr and "Traceback" not in r.output


def test_the_api_answers_bad_input_400_with_its_field(lite_app):
    from http_host import cloud_event, signed
    from oa_liaison_plugin.http import hosts
    from oa_liaison_plugin.models import db
    with lite_app.app_context():
        _, secret = hosts.add(lite_app.config, "oa1", "nanbu")
        db.session.commit()
    body = cloud_event("submission.received", {"id": "s-1", "committee": "教科文卫体委员会", "unit": "县教育局",
                                               "kind": "提案", "title": "t", "received": "2017-02-30"},
                       event_id="s-1")
    r = lite_app.test_client().post("/api/v1/events", data=body, headers=signed(secret, "msg-s-1", body))
    answer = r.get_json()
    assert r.status_code == 400 and set(answer) == {"error", "message", "field"}
    assert (answer["error"], answer["field"]) == ("bad_field", "data.received")
    assert answer["message"].startswith("字段 data.received：")
