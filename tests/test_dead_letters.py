"""Bounded retries: a copy or notification the host never acknowledges is dead after the give-up time, listed
(panel, `deliveries --dead`) and redelivered by a person (audited)."""
from __future__ import annotations

import datetime as dt
import getpass
import json
import re

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from http_host import CallbackHost, add_host
from oa_liaison_plugin import lease
from oa_liaison_plugin.audit import Actor
from oa_liaison_plugin.cli import main
from oa_liaison_plugin.delivery import deliver_due
from oa_liaison_plugin.http import hosts, outbox
from oa_liaison_plugin.models import Copy, EventError, Notification, db, utcnow
from oa_liaison_plugin.web.models import AuditEntry
from oa_liaison_plugin.work import recipient
from helpers import docx
from test_web_support import PASSWORD

DAYS3 = 3 * 24 * 3600


class Host:
    """A callback host that refuses (HTTP 500) until told to accept."""

    def __init__(self, app):
        self.accept = False
        self.cb = CallbackHost(add_host(app), answer=lambda n, event: 200 if self.accept else 500)
        with app.app_context():
            hosts.get("oa1").callback_url = self.cb.url
            db.session.commit()


@pytest.fixture
def refusing(app):
    h = Host(app)
    yield h
    h.cb.close()


@pytest.fixture
def later(monkeypatch):
    """The ledgers' clock, moved forward by hand: the schedule is tested without waiting for it."""
    def move(seconds: float):
        at = utcnow() + dt.timedelta(seconds=seconds)
        monkeypatch.setattr(lease, "utcnow", lambda: at)
    return move


def _issue(liaison, doc_id="D-1"):
    liaison.document_issued({"id": doc_id, "file": docx(), "file_name": "12号.docx"})


def _copy(app) -> dict:
    with app.app_context():
        c = db.session.scalar(select(Copy))
        out = {"id": c.id, "status": c.status, "attempts": c.attempts, "dead_at": c.dead_at}
        db.session.remove()
        return out


def cli(app, *args):
    env = {"OA_LIAISON_INSTANCE_PATH": app.instance_path, "OA_LIAISON_DATABASE_URL": app.config["DATABASE_URL"]}
    return CliRunner().invoke(main, list(args), env=env)


def test_a_copy_is_retried_until_the_give_up_time_then_dead(app, liaison, refusing, later):
    assert app.config["DELIVERY_GIVE_UP_SECONDS"] == DAYS3   # the default: three days
    _issue(liaison)
    assert _copy(app)["status"] == "pending"                  # the first offer was refused
    later(DAYS3 - 3600)                                       # a day short of… an hour short of the give-up time
    assert deliver_due(liaison)["failed"] == 1 and _copy(app)["status"] == "pending"
    later(DAYS3 + 60)
    assert deliver_due(liaison)["failed"] == 1
    copy = _copy(app)
    assert copy["status"] == "dead" and copy["dead_at"] is not None and copy["attempts"] == 3
    assert deliver_due(liaison) == {"delivered": 0, "failed": 0}   # a dead copy is never offered again by itself
    with app.app_context():
        codes = [e.code for e in db.session.scalars(select(EventError)
                                                    .where(EventError.subject == f"copy-{copy['id']}"))]
    assert codes[-1] == "delivery_dead"


def test_the_give_up_time_is_a_setting(app, liaison, refusing):
    app.config["DELIVERY_GIVE_UP_SECONDS"] = 0
    _issue(liaison)
    assert _copy(app)["status"] == "dead"


def test_dead_copies_listed_and_redelivered_by_the_command_with_its_actor(app, liaison, refusing):
    app.config["DELIVERY_GIVE_UP_SECONDS"] = 0
    _issue(liaison)
    copy_id = f"copy-{_copy(app)['id']}"
    r = cli(app, "deliveries", "--dead", "--json")
    assert r.exit_code == 0, r.output
    [row] = json.loads(r.output)
    assert row["id"] == copy_id and row["status"] == "dead" and row["recipient"] == "教科文卫体委员会"
    assert "HTTP 500" in row["last_error"] and row["dead_at"]
    refusing.accept = True
    r = cli(app, "deliveries", "redeliver", copy_id, "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["status"] == "delivered" and out["redelivered"] is True and refusing.cb.acked == {copy_id: 1}
    assert json.loads(cli(app, "deliveries", "--dead", "--json").output) == []
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "copy.redeliver"))
        assert entry.username == f"cli:{getpass.getuser()}" and entry.target == copy_id
    again = cli(app, "deliveries", "redeliver", copy_id)
    assert again.exit_code == 2 and "不是已放弃的投递" in again.output and "Traceback" not in again.output
    unknown = cli(app, "deliveries", "redeliver", "copy-999999", "--json")
    assert unknown.exit_code == 2 and json.loads(unknown.stdout)["field"] == "id"


def test_a_dead_notification_redelivered_starts_its_window_again(app, liaison, refusing):
    with liaison.work(Actor.cli()) as uow:
        uow.notify(recipient("nanbu", "unit", "南部县教育局"), "测试", "正文")
    with app.app_context():   # made three days and a minute ago, and never acknowledged since
        db.session.execute(Notification.__table__.update().values(
            created_at=utcnow() - dt.timedelta(seconds=DAYS3 + 60)))
        db.session.commit()
    assert outbox.deliver_due(liaison)["notifications_failed"] == 1
    [row] = json.loads(cli(app, "deliveries", "--dead", "--json").output)
    assert row["kind"] == "notification" and row["recipient"] == "南部县教育局" and row["title"] == "测试"
    r = cli(app, "deliveries", "redeliver", row["id"], "--json")
    # refused again, but within the window the redelivery started: pending, retried on the schedule
    assert r.exit_code == 0 and json.loads(r.output)["status"] == "pending"
    assert len(refusing.cb.received) == 2


def _login(client, app, username="admin1"):
    client.post("/login", data={"username": username, "password": PASSWORD})


def test_the_panel_lists_dead_copies_and_redelivers_after_a_confirmation_page(app, liaison, refusing):
    from oa_liaison_plugin.web.users.accounts import create_user
    app.config.update(WTF_CSRF_ENABLED=False, DELIVERY_GIVE_UP_SECONDS=0)
    with app.app_context():
        for name, role in (("admin1", "admin"), ("audit1", "auditor")):
            create_user(liaison, username=name, password=PASSWORD, role=role)
        db.session.commit()
    _issue(liaison, "D-9")
    with app.app_context():
        dead = db.session.scalar(select(Copy).where(Copy.status == "dead"))
        dead_id = dead.id
    client = app.test_client()
    _login(client, app)
    with liaison.work(Actor.cli()) as uow:
        uow.notify(recipient("nanbu", "unit", "南部县教育局"), "关于会议的通知", "正文")
    outbox.deliver_due(liaison)   # refused, and at once past a give-up time of 0: dead
    page = client.get("/deliveries?status=dead").get_data(as_text=True)
    assert f"/deliveries/{dead_id}" in page and "已放弃（超过重试期限）" in page and "重新投递" in page
    assert "已放弃的通知" in page and "关于会议的通知" in page and "/deliveries/notification-" in page
    first = client.post(f"/deliveries/copy-{dead_id}/redeliver")
    text = first.get_data(as_text=True)
    assert first.status_code == 200 and "确认重新投递" in text and 'name="confirmed" value="1"' in text
    assert _copy_status(app, dead_id) == "dead"   # nothing happened yet
    refusing.accept = True
    done = client.post(f"/deliveries/copy-{dead_id}/redeliver", data={"confirmed": "1"})
    assert done.status_code == 302
    from http_host import wait_for
    wait_for(lambda: _copy_status(app, dead_id) == "delivered")   # offered on the jurisdiction's lane
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "copy.redeliver"))
        assert entry.username == "admin1"
    auditor = app.test_client()
    _login(auditor, app, "audit1")
    assert auditor.post(f"/deliveries/copy-{dead_id}/redeliver").status_code == 403


def _copy_status(app, copy_id):
    with app.app_context():
        s = db.session.get(Copy, copy_id).status
        db.session.remove()
        return s


def test_the_retry_schedule_is_documented_as_configured():
    from pathlib import Path

    from oa_liaison_plugin.config import DEFAULTS
    text = (Path(__file__).resolve().parents[1] / "docs" / "integrating.md").read_text("utf-8")
    steps = "、".join(f"{s} 秒" for s in DEFAULTS["DELIVERY_BACKOFF_SECONDS"])
    assert "DELIVERY_GIVE_UP_SECONDS" in text and re.search(r"3 days|72 hours", text)
    assert all(str(s) in text for s in DEFAULTS["DELIVERY_BACKOFF_SECONDS"]), steps


def test_each_callback_is_in_the_hosts_delivery_log_which_keeps_the_last_ones(app, liaison, refusing):
    from oa_liaison_plugin.models import HttpCall
    app.config["HOST_CALL_LOG_SIZE"] = 2
    _issue(liaison)
    deliver_due(liaison)
    refusing.accept = True
    deliver_due(liaison)
    assert len(refusing.cb.received) == 3
    with app.app_context():
        calls = db.session.scalars(select(HttpCall).order_by(HttpCall.id)).all()
        log = [(c.type, c.status, c.ok, c.msg_id) for c in calls]
        db.session.remove()
    copy_id = f"copy-{_copy(app)['id']}"
    assert log == [("liaison.copy", 500, False, copy_id), ("liaison.copy", 200, True, copy_id)]
