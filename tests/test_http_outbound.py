"""Copies and notifications called back to a host over HTTP: signed, retried, never twice, no redirects."""
from __future__ import annotations

import base64
import hashlib
import json

from sqlalchemy import select

from http_host import CallbackHost, wait_for
from oa_liaison_plugin.delivery import deliver_due
from oa_liaison_plugin.documents.samples import make_issued_docx
from oa_liaison_plugin.http import hosts, outbox
from oa_liaison_plugin.models import Copy, Notification, db

from helpers import cli


def docx():
    return make_issued_docx(issuer="南部县教育局", doc_number="南教发〔2017〕12号",
                            title="关于印发《南部县义务教育均衡发展实施方案》的通知",
                            main_recipients=["各乡镇人民政府"], body_paragraphs=["为推进义务教育均衡发展，……"])


def callback_host(app, **kw):
    with app.app_context():
        _, secret = hosts.add(app.config, "oa1", "nanbu")
        db.session.commit()
    cb = CallbackHost(secret, **kw)
    with app.app_context():
        hosts.get("oa1").callback_url = cb.url
        db.session.commit()
    return cb


def copies(app):
    with app.app_context():
        rows = [(c.status, c.attempts, c.last_error) for c in db.session.scalars(select(Copy).order_by(Copy.id))]
        db.session.remove()
        return rows


def test_a_failing_host_is_retried_until_it_acknowledges_once(app, liaison):
    cb = callback_host(app, answer=lambda n, event: 503 if n < 3 else 200)
    r = liaison.document_issued({"id": "D-1", "file": docx()})   # delivered inline: the first attempt fails
    assert r["status"] == "routed"
    for _ in range(5):
        deliver_due(liaison)
    assert copies(app)[0][:2] == ("delivered", 3)
    assert len(cb.received) == 3 and list(cb.acked.values()) == [1] and not cb.bad
    ids = {r["id"] for r in cb.received}
    assert len(ids) == 1   # the same webhook-id every time: the host can deduplicate
    assert len({r["body"] for r in cb.received}) == 1   # and the very same bytes: a retry is the same message
    data = cb.received[-1]["event"]["data"]
    assert hashlib.sha256(base64.b64decode(data["file_base64"])).hexdigest() == data["file_sha256"]
    cb.close()


def test_a_redirect_is_not_followed_and_counts_as_not_delivered(app, liaison):
    cb = callback_host(app, answer=lambda n, event: 302)
    liaison.document_issued({"id": "D-2", "file": docx()})
    status, attempts, error = copies(app)[0]
    assert status == "pending" and attempts == 1 and "302" in error
    assert cb.acked == {}
    cb.close()


def test_a_timeout_is_retried(app, liaison):
    app.config["CALLBACK_TIMEOUT_SECONDS"] = 0.5
    cb = callback_host(app, answer=lambda n, event: "hang" if n == 1 else 200)
    liaison.document_issued({"id": "D-3", "file": docx()})
    assert copies(app)[0][0] == "pending"
    wait_for(lambda: deliver_due(liaison)["delivered"] == 1 or copies(app)[0][0] == "delivered")
    assert copies(app)[0][0] == "delivered"
    cb.close()


def test_notifications_are_called_back_signed(app, liaison):
    cb = callback_host(app)
    liaison.submission_received({"id": "S-1", "committee": "提案委员会", "unit": "南部县教育局", "kind": "提案",
                                 "title": "关于学校安全的提案", "received": "2026-11-01"})
    assert outbox.deliver_due(liaison) == {"notifications": 1, "notifications_failed": 0}
    (item,) = cb.received
    assert item["id"].startswith("notification-") and item["event"]["type"] == "liaison.notification"
    assert "待答复" in item["event"]["data"]["subject"]
    # the recipient as a plain label beside the object (an OA filing by it gets 南部县教育局, not [object Object])
    data = item["event"]["data"]
    assert data["recipient"]["role"] == "unit" and data["recipient_label"] == data["recipient"]["unit"]
    assert isinstance(data["recipient_label"], str) and data["recipient_label"]
    with app.app_context():
        assert db.session.scalar(select(Notification.status)) == "delivered"
    cb.close()


def test_a_retried_notification_is_the_very_same_message(app, liaison):
    cb = callback_host(app, answer=lambda n, event: 503 if n < 2 else 200)
    liaison.submission_received({"id": "S-1", "committee": "提案委员会", "unit": "南部县教育局", "kind": "提案",
                                 "title": "关于学校安全的提案", "received": "2026-11-01"})
    assert outbox.deliver_due(liaison) == {"notifications": 0, "notifications_failed": 1}
    assert outbox.deliver_due(liaison) == {"notifications": 1, "notifications_failed": 0}   # backoff 0 in tests
    first, again = cb.received
    assert first["id"] == again["id"] and first["body"] == again["body"]
    cb.close()


def test_without_a_callback_url_copies_wait_for_other_plugins(app, liaison):
    liaison.document_issued({"id": "D-4", "file": docx()})
    status, attempts, error = copies(app)[0]
    assert status == "pending" and "没有插件接收" in error


def run(instance, *args, env=None):
    return cli(instance, *args, **(env or {}))


def test_hosts_and_event_commands(tmp_path):
    p = run(tmp_path, "hosts", "add", "oa1", "--jurisdiction", "nanbu", "--allow-origin", "https://oa.example.cn",
            "--json")
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert set(out) == {"name", "secret"} and out["secret"].startswith("whsec_")
    assert run(tmp_path, "hosts", "add", "oa1", "--jurisdiction", "nanbu").returncode == 2   # invalid input
    listed = json.loads(run(tmp_path, "hosts", "list", "--json").stdout)
    assert listed[0]["name"] == "oa1" and "secret" not in json.dumps(listed).replace('"secrets"', "")
    rotated = json.loads(run(tmp_path, "hosts", "rotate", "oa1", "--json").stdout)
    assert rotated["secret"] != out["secret"]
    assert len(json.loads(run(tmp_path, "hosts", "list", "--json").stdout)[0]["secrets"]) == 2
    (tmp_path / "ev.json").write_text(json.dumps({"id": "CLI-1", "issuer": "南部县教育局"}), "utf-8")
    (tmp_path / "d.docx").write_bytes(docx())
    p = run(tmp_path, "event", "document.issued", "--input", str(tmp_path / "ev.json"), "--file",
            str(tmp_path / "d.docx"), "--json")
    assert p.returncode == 0, p.stderr
    first = json.loads(p.stdout)
    assert first["status"] == "processed" and first["result"]["status"] == "routed" and not first["duplicate"]
    again = json.loads(run(tmp_path, "event", "document.issued", "--input", str(tmp_path / "ev.json"),
                           "--json").stdout)
    assert again["duplicate"] and again["id"] == first["id"]
    (tmp_path / "bad.json").write_text(json.dumps({"id": "CLI-2", "issuer": "x", "title": [1]}), "utf-8")
    bad = run(tmp_path, "event", "document.issued", "--input", str(tmp_path / "bad.json"), "--json")
    assert bad.returncode == 2 and json.loads(bad.stdout)["field"] == "data.title"
    assert run(tmp_path, "hosts", "remove", "oa1").returncode == 0
    assert json.loads(run(tmp_path, "hosts", "list", "--json").stdout) == []
