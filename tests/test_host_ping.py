"""`hosts add` and `hosts update` check the callback URL with a signed liaison.ping and report the answer."""
from __future__ import annotations

import json

from http_host import CallbackHost
from helpers import cli
from helpers import free_port as _free_port


def test_hosts_add_pings_the_callback_url_signed_and_reports_the_answer(tmp_path):
    instance = tmp_path / "instance"
    host = CallbackHost("whsec_" + "MDEyMzQ1Njc4OWFiY2RlZg==")   # verifies with a secret of its own first
    try:
        added = cli(instance, "hosts", "add", "oa1", "-j", "nanbu", "--callback-url", host.url, "--json")
        assert added.returncode == 0, added.stderr
        out = json.loads(added.stdout)
        assert set(out) >= {"name", "secret", "ping"} and out["ping"]["ok"] is False and "401" in out["ping"]["error"]
    finally:
        host.close()
    host = CallbackHost(out["secret"])
    try:
        done = cli(instance, "hosts", "update", "oa1", "--callback-url", host.url, "--json")
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["ping"]["ok"] is True
        [call] = host.received
        assert call["event"]["type"] == "liaison.ping" and call["id"] == call["event"]["id"]
        data = call["event"]["data"]
        assert set(data) == {"host", "jurisdiction", "test", "sent_at"} and data["host"] == "oa1"
        assert data["jurisdiction"] == "nanbu" and data["test"] is True and data["sent_at"].endswith("Z")
        text = cli(instance, "hosts", "update", "oa1", "--require-file")
        assert text.returncode == 0 and "liaison.ping）：成功" in text.stdout
    finally:
        host.close()


def test_an_unreachable_callback_url_is_a_warning_not_a_failure(tmp_path):
    url = f"http://127.0.0.1:{_free_port()}/callback"   # nothing listens there
    added = cli(tmp_path / "instance", "hosts", "add", "oa1", "-j", "nanbu", "--callback-url", url)
    assert added.returncode == 0 and "警告：回调地址测试" in added.stdout and "登记已保存" in added.stdout
    listed = json.loads(cli(tmp_path / "instance", "hosts", "list", "--json").stdout)
    assert listed[0]["callback_url"] == url


def test_hosts_test_sends_a_test_copy_marked_test(tmp_path):
    instance = tmp_path / "instance"
    added = cli(instance, "hosts", "add", "oa1", "-j", "nanbu", "--json")
    host = CallbackHost(json.loads(added.stdout)["secret"])
    try:
        assert cli(instance, "hosts", "update", "oa1", "--callback-url", host.url).returncode == 0
        done = cli(instance, "hosts", "test", "oa1", "--json")
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["test"]["ok"] is True
        event = host.received[-1]["event"]
        assert event["type"] == "liaison.copy" and event["data"]["test"] is True
        assert event["data"]["committee"] and event["data"]["file_base64"] and event["data"]["copy_id"] == event["id"]
    finally:
        host.close()
    gone = cli(instance, "hosts", "test", "oa1")
    assert gone.returncode == 1 and "测试抄送未成功" in gone.stdout and "Traceback" not in gone.stderr


def test_the_hosts_page_sends_a_test_event_and_shows_the_delivery_log(lite_app):
    from http_host import add_host, wait_for
    from oa_liaison_plugin.http import hosts
    from oa_liaison_plugin.models import db
    from oa_liaison_plugin.web.users.accounts import create_user
    from test_web_support import PASSWORD
    app = lite_app
    app.config["WTF_CSRF_ENABLED"] = False
    host = CallbackHost(add_host(app))
    try:
        with app.app_context():
            hosts.get("oa1").callback_url = host.url
            create_user(app.extensions["oa_liaison"], username="admin1", password=PASSWORD, role="admin")
            db.session.commit()
        client = app.test_client()
        client.post("/login", data={"username": "admin1", "password": PASSWORD})
        assert "还没有回调记录" in client.get("/hosts/oa1").get_data(as_text=True)
        assert client.post("/hosts/oa1/test").status_code == 302
        wait_for(lambda: host.acked)
        assert host.received[0]["event"]["data"]["test"] is True
        page = wait_for(lambda: (t := client.get("/hosts/oa1").get_data(as_text=True)) and "成功 HTTP 200" in t and t)
        assert "liaison.copy" in page and "test-copy-" in page
    finally:
        host.close()
