"""Reminders through notify: at each offset, exactly once — across restarts, several workers, catch-up days."""
from __future__ import annotations

import datetime as dt
import json
import threading
from collections import Counter

import pytest
from sqlalchemy import func, select

from oa_liaison_plugin import hookimpl, reminders
from oa_liaison_plugin.models import EventError, ReminderSent, db
from oa_liaison_plugin.reminders import Reminder

D = dt.date.fromisoformat
SUB = {"committee": "教科文卫体委员会", "unit": "县教育局", "kind": "提案", "title": "关于校车安全的建议",
       "received": "2017-03-10"}   # due 2017-06-12 (06-10 is a Saturday)


class Inbox:
    def __init__(self):
        self.got = Counter()
        self.lock = threading.Lock()
        self.subjects = []

    @hookimpl
    def notify(self, recipient, subject, body):
        with self.lock:
            self.got[(recipient.get("unit"), subject)] += 1
            self.subjects.append(subject)


def run(liaison, day):
    """The reply tasks' reminders of one pass (the meeting-compliance pass runs beside them, tested elsewhere)."""
    return [line for line in reminders.run(liaison, D(day)) if line["kind"] in ("submission", "cohandling")]


def offsets(lines):
    return [(line["submission_id"], line["recipient"]["unit"], line["offset_days"]) for line in lines]


def test_each_offset_once_then_overdue_and_never_after_the_reply(app, liaison):
    liaison.config["MEETING_REMINDERS"] = []   # only the reply tasks' reminders reach this inbox
    inbox = Inbox()
    liaison.pm.register(inbox)
    liaison.submission_received({**SUB, "id": "a"})
    liaison.submission_received({**SUB, "id": "b", "received": "2017-03-20"})   # due 2017-06-20
    assert run(liaison, "2017-05-27") == []                       # 16 days before: nothing yet
    assert offsets(run(liaison, "2017-05-28")) == [("a", "县教育局", 15)]
    assert run(liaison, "2017-05-28") == []                       # the same day again: nothing
    assert offsets(run(liaison, "2017-06-05")) == [("b", "县教育局", 15)]
    assert offsets(run(liaison, "2017-06-09")) == [("a", "县教育局", 3)]
    assert run(liaison, "2017-06-12") == []                       # the due date itself: not yet overdue
    from oa_liaison_plugin.models import Submission
    from oa_liaison_plugin.replies import tasks
    with liaison.context():
        b = db.session.scalar(select(Submission).where(Submission.host_id == "b"))
        tasks.send_reply(liaison, b, "南教函〔2017〕3号", "2017-06-12", "u", today=D("2017-06-12"))
        db.session.commit()
    lines = run(liaison, "2017-06-13")
    assert offsets(lines) == [("a", "县教育局", 0)]               # overdue; b was answered: no more reminders
    assert lines[0]["kind"] == "submission" and lines[0]["due"] == "2017-06-12"
    assert run(liaison, "2017-06-20") == [] and run(liaison, "2017-07-20") == []
    reminded = [s for s in inbox.subjects if not s.startswith("待答复")]   # (and the two arrivals)
    assert len(reminded) == 4 and len(set(reminded)) == 3   # 15 twice (a, b), 3 and overdue for a
    assert any(s.startswith("已超期") for s in inbox.subjects)


def test_a_missed_week_sends_only_the_reminder_due_now(lite_app):
    liaison = lite_app.extensions["oa_liaison"]
    liaison.submission_received({**SUB, "id": "a"})
    # The worker was down from before the 15-day mark until two days before the deadline: only "3" goes out.
    assert offsets(run(liaison, "2017-06-10")) == [("a", "县教育局", 3)]
    assert run(liaison, "2017-06-11") == []
    # …and a task overdue longer than REMINDER_CATCH_UP_DAYS when the pass comes back is not reminded of it.
    liaison.submission_received({**SUB, "id": "old", "received": "2016-12-01"})   # due 2017-03-01
    assert "old" not in [line["submission_id"] for line in run(liaison, "2017-06-13")]


def test_an_extension_or_a_reopening_starts_the_reminders_again(lite_app):
    liaison = lite_app.extensions["oa_liaison"]
    liaison.submission_received({**SUB, "id": "a"})
    assert offsets(run(liaison, "2017-06-09")) == [("a", "县教育局", 3)]
    from oa_liaison_plugin.models import Submission
    from oa_liaison_plugin.replies import tasks
    with liaison.context():
        s = db.session.scalar(select(Submission).where(Submission.host_id == "a"))
        tasks.extend(s, "2017-07-12", "调研", "u")
        db.session.commit()
    assert offsets(run(liaison, "2017-07-09")) == [("a", "县教育局", 3)]   # against the new deadline
    assert run(liaison, "2017-07-10") == []


def test_co_handlers_are_reminded_until_they_send_their_opinion(lite_app):
    liaison = lite_app.extensions["oa_liaison"]
    liaison.submission_received({**SUB, "id": "a", "cohandlers": ["县财政局", "县人社局"]})   # co-handlers: 04-10
    lines = run(liaison, "2017-04-03")
    assert sorted((line["kind"], line["recipient"]["unit"], line["offset_days"]) for line in lines) == [
        ("cohandling", "县人力资源和社会保障局", 7), ("cohandling", "县财政局", 7)]
    from oa_liaison_plugin.models import Cohandler
    from oa_liaison_plugin.replies import tasks
    with liaison.context():
        c = db.session.scalar(select(Cohandler).where(Cohandler.unit_name == "县财政局"))
        tasks.give_opinion(c, "同意。", "czj")
        db.session.commit()
    lines = run(liaison, "2017-04-11")
    assert [(line["recipient"]["unit"], line["offset_days"]) for line in lines] == [("县人力资源和社会保障局", 0)]


def test_restart_sends_nothing_twice(sqlite_url, tmp_path):
    from conftest import make_app
    first = make_app(sqlite_url, tmp_path / "i")
    first.extensions["oa_liaison"].submission_received({**SUB, "id": "a"})
    assert len(run(first.extensions["oa_liaison"], "2017-05-28")) == 1
    with first.app_context():
        db.engine.dispose()
    again = make_app(sqlite_url, tmp_path / "i")   # a new process on the same database
    inbox = Inbox()
    again.extensions["oa_liaison"].pm.register(inbox)
    assert run(again.extensions["oa_liaison"], "2017-05-28") == [] and not inbox.got
    with again.app_context():
        row = db.session.scalar(select(ReminderSent))
        assert row.notified_at is not None and row.offset == "15@2017-06-12"


def test_the_remind_command_prints_the_sent_lines(tmp_path):
    from test_cli import run as cli
    sub = tmp_path / "s.json"
    sub.write_text(json.dumps({**SUB, "id": "a"}, ensure_ascii=False), "utf-8")
    assert cli(tmp_path / "i", "submissions", "add", "--input", str(sub)).returncode == 0
    p = cli(tmp_path / "i", "remind", "--today", "2017-05-28", "--json")
    assert p.returncode == 0, p.stderr
    [line] = json.loads(p.stdout)["sent"]
    recipient = {"role": "unit", "unit": "县教育局", "jurisdiction": "nanbu"}   # every recipient names its county
    assert {"submission_id": "a", "recipient": recipient, "offset_days": 15}.items() \
        <= line.items()
    assert json.loads(cli(tmp_path / "i", "remind", "--today", "2017-05-28", "--json").stdout)["sent"] == []
    p = cli(tmp_path / "i", "remind", "--today", "2017-06-31", "--json")
    assert p.returncode == 2 and json.loads(p.stdout)["field"] == "today"


def test_a_reminder_sent_before_recipients_named_their_county_is_not_sent_again(lite_app):
    liaison = lite_app.extensions["oa_liaison"]
    liaison.config["MEETING_REMINDERS"] = []
    liaison.submission_received({**SUB, "id": "a"})
    with lite_app.app_context():   # the ledger's row as an earlier version wrote it: the recipient without a county
        jur = liaison.jurisdiction()
        db.session.add(ReminderSent(jurisdiction_id=jur.id, kind="submission", subject="a", offset="15@2017-06-12",
                                    recipient_key=json.dumps({"role": "unit", "unit": "县教育局"}, ensure_ascii=False,
                                                             sort_keys=True),
                                    recipient={"role": "unit", "unit": "县教育局"}, title="15天后到期"))
        db.session.commit()
    inbox = Inbox()
    liaison.pm.register(inbox)
    assert run(liaison, "2017-05-28") == [] and not inbox.got


class Yearly:
    """A site's own reminder pass, registered like any plugin."""

    @staticmethod
    def yearly(liaison, jur, today):
        yield Reminder(jur.id, "site_yearly", f"committee:1:{today.year}", {"role": "committee",
                       "committee": "提案委员会", "jurisdiction": jur.code}, "year-end", "本年总结请于年底前报送", "……",
                       {"year": today.year})

    @hookimpl
    def reminder_passes(self):
        return [self.yearly]


class BrokenPasses:
    @hookimpl
    def reminder_passes(self):
        raise RuntimeError("the site's passes broke")


def test_another_pass_plugs_into_the_same_ledger_through_the_hook(lite_app):
    liaison = lite_app.extensions["oa_liaison"]
    liaison.pm.register(Yearly())
    liaison.pm.register(BrokenPasses())   # recorded and left out; the others still run
    lines = reminders.run(liaison, D("2017-07-01"))
    assert [line for line in lines if line["kind"] == "site_yearly"][0]["year"] == 2017
    assert {"meeting_compliance"} <= {line["kind"] for line in lines}
    assert not [line for line in reminders.run(liaison, D("2017-07-02")) if line["kind"] == "site_yearly"]
    with lite_app.app_context():
        assert db.session.scalar(select(func.count(EventError.id)).where(EventError.event == "reminder_passes")) == 2


class Named:
    """A pass naming its recipients by name only (no ids), one of them in a county this installation lacks."""

    @staticmethod
    def named(liaison, jur, today):
        yield Reminder(jur.id, "site_named", "s1", {"role": "committee", "committee": "提案委员会",
                       "jurisdiction": jur.code}, "x", "请报送", "正文一")
        yield Reminder(jur.id, "site_named", "s2", {"role": "unit", "unit": "县教育局", "jurisdiction": "nowhere"},
                       "x", "请报送", "正文二")

    @hookimpl
    def reminder_passes(self):
        return [self.named]


def test_each_reminder_claimed_is_kept_once_as_its_recipients_message(app, liaison):
    from oa_liaison_plugin.models import Committee, Message, Unit
    liaison.config["MEETING_REMINDERS"] = []
    liaison.pm.register(Named())
    liaison.submission_received({**SUB, "id": "a"})
    liaison.submission_received({**SUB, "id": "b", "received": "2017-05-01", "cohandlers": ["县财政局"]})
    sent = reminders.run(liaison, D("2017-06-05"))   # a: due in 7 days; b's co-handler: overdue since 06-01
    assert sorted((line["kind"], line["subject"]) for line in sent) == [
        ("cohandling", "b"), ("site_named", "s1"), ("site_named", "s2"), ("submission", "a")]
    assert reminders.run(liaison, D("2017-06-05")) == []   # the same day again: no claim, no message
    with liaison.context():
        unit = dict(db.session.execute(select(Unit.name, Unit.id)).all())
        committee = db.session.scalar(select(Committee.id).where(Committee.name == "提案委员会"))
        kept = sorted(((m.about, m.unit_id, m.committee_id, m.kind, m.recipient["jurisdiction"]), m.subject, m.body)
                      for m in db.session.scalars(select(Message).where(Message.kind == "reminder")))
        titles = {(line["subject"], line["recipient"].get("unit")): line["title"] for line in sent}
        assert db.session.scalar(select(func.count(ReminderSent.id))) == 4
    # one message a reminder claimed, addressed by id; none for a county this installation does not have
    assert [k for k, _, _ in kept] == [("a", unit["县教育局"], None, "reminder", "nanbu"),
                                       ("b", unit["县财政局"], None, "reminder", "nanbu"),
                                       ("s1", None, committee, "reminder", "nanbu")]
    assert kept[0][1] == titles[("a", "县教育局")] and "应于2017-06-12前答复" in kept[0][2]
    assert kept[1][1] == titles[("b", "县财政局")] and "会办意见" in kept[1][2]
    assert kept[2][1:] == ("请报送", "正文一")


def test_the_built_in_passes_are_plugins_and_reminders_imports_none_of_them():
    import ast
    import inspect

    from oa_liaison_plugin import get_plugin_manager
    names = [n for n, _ in get_plugin_manager().list_name_plugin()]
    assert {"oa_liaison_plugin.replies.remind", "oa_liaison_plugin.meetings.compliance"} <= set(names)
    imported = {node.module for node in ast.walk(ast.parse(inspect.getsource(reminders)))
                if isinstance(node, ast.ImportFrom)}
    assert not imported & {"meetings", "replies", "meetings.compliance", "replies.remind"}, imported


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_two_workers_at_once_on_postgresql_send_each_reminder_once(db_url, tmp_path):
    from conftest import make_app
    apps = [make_app(db_url, tmp_path / f"w{i}") for i in range(2)]   # two processes' worth: own engines
    setup = apps[0].extensions["oa_liaison"]
    for i in range(120):
        setup.submission_received({**SUB, "id": f"s{i}", "title": f"关于校车安全的建议（{i}）",
                                   "received": "2017-03-%02d" % (1 + i % 28),
                                   "cohandlers": ["县财政局"] if i % 3 == 0 else []})
    inbox = Inbox()
    for app in apps:
        app.extensions["oa_liaison"].pm.register(inbox)
    barrier = threading.Barrier(2)
    results = [[], []]

    def worker(n):
        liaison = apps[n].extensions["oa_liaison"]
        for day in ("2017-04-20", "2017-05-20", "2017-06-01", "2017-06-10"):
            barrier.wait()
            results[n] += reminders.run(liaison, D(day))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    lines = results[0] + results[1]
    keys = [(line["kind"], line["subject"], json.dumps(line["recipient"]), line["offset"]) for line in lines]
    assert len(keys) > 100 and len(keys) == len(set(keys))      # every reminder reported by one worker only
    assert sum(inbox.got.values()) == len(keys) and set(inbox.got.values()) == {1}   # each notified once
    with apps[0].app_context():
        assert db.session.scalar(select(func.count(ReminderSent.id))) == len(keys)
        # each claimed reminder kept once as a message, by the worker that claimed it
        from oa_liaison_plugin.models import Message
        assert db.session.scalar(select(func.count(Message.id)).where(Message.kind == "reminder")) == len(keys)
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_the_worker_runs_the_pass_once_a_day(tmp_path):
    from conftest import make_app
    from oa_liaison_plugin.http import worker
    # Every open task is inside the first offset's window, so the pass has something to send today.
    app = make_app(f"sqlite:///{tmp_path / 'w.sqlite3'}", tmp_path / "i", REMINDER_DAYS=[400, 0],
                   MEETING_REMINDERS=[])   # the meeting pass's reminders are counted in test_meetings
    liaison = app.extensions["oa_liaison"]
    liaison.submission_received({**SUB, "id": "a", "received": dt.date.today().isoformat()})
    assert worker.run(liaison, once=True)["reminders"] == 1
    assert worker.run(liaison, once=True)["reminders"] == 0      # a second worker (or a restart) the same day
    app.config["REMIND_IN_WORKER"] = False
    liaison.submission_received({**SUB, "id": "b", "received": dt.date.today().isoformat()})
    assert worker.run(liaison, once=True)["reminders"] == 0
