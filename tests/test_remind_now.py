"""立即提醒: a reply task's main unit reminded now — by an administrator or the task's committee, after a
confirmation step, audited, kept on the unit's 消息 page, at most once a day; and its command-line twin."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from oa_liaison_plugin.models import Message, ReminderSent, Submission, db
from test_reminders import SUB
from test_web_decisions import body, lite_world  # noqa: F401  (lite_world: the fixture)
from test_web_support import session_client

D = dt.date.fromisoformat


def _count(app, model, *where) -> int:
    with app.app_context():
        n = db.session.scalar(select(func.count()).select_from(model).where(*where))
        db.session.remove()
        return n


def _remind(liaison, host_id: str, day: str, actor: str = "admin1"):
    from oa_liaison_plugin.audit import Actor
    from oa_liaison_plugin.operations import replies as ops
    with liaison.context():
        s = db.session.scalar(select(Submission).where(Submission.host_id == host_id))
        with liaison.work(Actor(actor)) as uow:
            return ops.remind_now(uow, s, D(day)).line()


def test_reminding_now_is_audited_kept_for_the_unit_and_told_once_a_day(app, liaison):
    from oa_liaison_plugin.errors import InputError
    from oa_liaison_plugin.web.models import AuditEntry
    inbox = []

    class Recorder:
        from oa_liaison_plugin import hookimpl

        @hookimpl
        def notify(self, recipient, subject, body):
            inbox.append((recipient, subject, body))

    liaison.pm.register(Recorder())
    liaison.submission_received({**SUB, "id": "a"})   # due 2017-06-12
    inbox.clear()
    line = _remind(liaison, "a", "2017-06-14")
    assert line["recipient"] == {"role": "unit", "unit": "县教育局", "jurisdiction": "nanbu"}
    assert line["days_left"] == -2 and line["now"] is True
    [(to, subject, text)] = inbox
    assert to["jurisdiction"] == "nanbu" and subject.startswith("已超期 2 天") and "关于校车安全的建议" in text
    with liaison.context():
        [msg] = db.session.scalars(select(Message).where(Message.kind == "reminder")).all()
        assert msg.unit_id is not None and msg.subject == subject
        [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "submission.remind")).all()
        assert entry.username == "admin1" and entry.after["unit"] == "县教育局"
        assert db.session.scalar(select(ReminderSent.notified_at).where(ReminderSent.offset == "now@2017-06-14"))
    with pytest.raises(InputError, match="今天（2017-06-14）已经提醒过县教育局"):
        _remind(liaison, "a", "2017-06-14", "jkwwt")
    assert len(inbox) == 1 and _count(app, Message, Message.kind == "reminder") == 1
    assert _count(app, AuditEntry, AuditEntry.action == "submission.remind") == 1
    _remind(liaison, "a", "2017-06-15")                 # the next day: once more
    assert len(inbox) == 2
    # the daily pass is not held back by a reminder sent by hand
    from oa_liaison_plugin import reminders
    assert [x["offset"] for x in reminders.run(liaison, D("2017-06-15")) if x["kind"] == "submission"] \
        == ["0@2017-06-12"]


def test_an_answered_task_is_not_reminded(app, liaison):
    from oa_liaison_plugin.errors import InputError
    liaison.submission_received({**SUB, "id": "a"})
    from oa_liaison_plugin.replies import tasks
    with liaison.context():
        s = db.session.scalar(select(Submission).where(Submission.host_id == "a"))
        tasks.send_reply(liaison, s, "南教函〔2017〕3号", "2017-06-01", "u", today=D("2017-06-01"))
        db.session.commit()
    with pytest.raises(InputError, match="已经答复"):
        _remind(liaison, "a", "2017-06-02")
    assert _count(app, ReminderSent) == 0


def test_the_panel_asks_first_and_only_the_admin_or_the_tasks_committee_may(lite_world, lite_app):
    from oa_liaison_plugin.web.models import AuditEntry
    sid = lite_world["own_submission"]   # 教科文卫体委员会's, answered by 县教育局
    url = f"/submissions/{sid}/remind"
    assert session_client(lite_app, "jyj", lite_world).post(url).status_code == 403          # a unit clerk
    assert session_client(lite_app, "audit1", lite_world).post(url).status_code == 403       # an auditor
    assert session_client(lite_app, "cjhz", lite_world).post(url, data={"confirmed": "1"}).status_code == 404
    committee = session_client(lite_app, "jkwwt", lite_world)
    assert "立即提醒" in body(committee.get(f"/submissions/{sid}"))
    assert "立即提醒" in body(committee.get("/submissions?overdue=1"))
    asked = committee.post(url)                      # a bare POST: the confirmation page, nothing sent
    assert asked.status_code == 200 and "即将向县教育局发送答复提醒" in body(asked)
    assert 'name="confirmed" value="1"' in body(asked) and "checked" not in body(asked)
    assert _count(lite_app, ReminderSent) == 0 and _count(lite_app, Message, Message.kind == "reminder") == 0
    done = committee.post(url, data={"confirmed": "1", "back": "/submissions?overdue=1"}, follow_redirects=True)
    assert "已提醒县教育局" in body(done) and done.request.path == "/submissions"
    assert _count(lite_app, Message, Message.kind == "reminder") == 1
    assert _count(lite_app, AuditEntry, AuditEntry.action == "submission.remind", AuditEntry.username == "jkwwt") == 1
    again = session_client(lite_app, "admin1", lite_world).post(url, data={"confirmed": "1"}, follow_redirects=True)
    assert "已经提醒过县教育局" in body(again)
    assert _count(lite_app, Message, Message.kind == "reminder") == 1
    assert "已超期" in body(session_client(lite_app, "jyj", lite_world).get("/messages"))   # on the unit's 消息
    # back only into the panel
    gone = committee.post(url, data={"confirmed": "1", "back": "https://evil.example/"})
    assert gone.headers["Location"].endswith(f"/submissions/{sid}")


def test_the_command_line_twin(tmp_path):
    from test_cli import run as cli
    sub = tmp_path / "s.json"
    sub.write_text(json.dumps({**SUB, "id": "a"}, ensure_ascii=False), "utf-8")
    assert cli(tmp_path / "i", "submissions", "add", "--input", str(sub)).returncode == 0
    p = cli(tmp_path / "i", "remind", "--task", "a", "--now", "--today", "2017-06-01", "--json")
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    [line] = out["sent"]
    assert out["today"] == "2017-06-01"
    assert {"kind": "submission", "submission_id": "a", "offset": "now@2017-06-01", "now": True,
            "due": "2017-06-12", "days_left": 11,
            "recipient": {"role": "unit", "unit": "县教育局", "jurisdiction": "nanbu"}}.items() <= line.items()
    p = cli(tmp_path / "i", "remind", "--task", "a", "--now", "--today", "2017-06-01", "--json")
    assert p.returncode == 2 and json.loads(p.stdout)["field"] == "task" and "已经提醒过" in json.loads(p.stdout)["error"]
    p = cli(tmp_path / "i", "remind", "--task", "nope", "--now", "--json")
    assert p.returncode == 2 and json.loads(p.stdout)["field"] == "task"
    p = cli(tmp_path / "i", "remind", "--task", "a", "--json")
    assert p.returncode == 2 and json.loads(p.stdout)["field"] == "now"
