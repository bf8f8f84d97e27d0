"""Reply tasks end to end: states, extensions, the signed reply, ratings and reopening, co-handlers, bad input."""
from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from sqlalchemy import select

from oa_liaison_plugin import hookimpl
from oa_liaison_plugin.errors import InputError
from oa_liaison_plugin.audit import Actor
from oa_liaison_plugin.models import Blob, Submission, db
from oa_liaison_plugin.operations import replies
from oa_liaison_plugin.replies import tasks
from test_web_support import signed_reply_docx

D = dt.date.fromisoformat
SUB = {"id": "p-1", "committee": "县政协教科文卫体委员会", "unit": "南部县教育局", "kind": "提案",
       "title": "关于加强农村寄宿制学校建设的建议", "number": "12", "received": "2017-03-10",
       "cohandlers": ["县财政局", "县人社局"]}
ACTOR = Actor("test")


class Inbox:
    def __init__(self):
        self.messages = []

    @hookimpl
    def notify(self, recipient, subject, body):
        self.messages.append((recipient, subject, body))


@pytest.fixture
def inbox(lite_app):
    box = Inbox()
    lite_app.extensions["oa_liaison"].pm.register(box)
    return box


def task(host_id="p-1") -> Submission:
    return db.session.scalar(select(Submission).where(Submission.host_id == host_id))


def test_a_task_goes_received_drafting_sent_rated_and_keeps_its_history(lite_app, inbox):
    liaison = lite_app.extensions["oa_liaison"]
    r = liaison.submission_received(SUB)
    assert (r["due"], r["state"]) == ("2017-06-12", "received")   # 06-10 is a Saturday
    assert {c["unit"] for c in r["cohandlers"]} == {"县财政局", "县人力资源和社会保障局"}
    assert r["cohandlers"][0]["due"] == "2017-04-10"                   # co-handlers: one month
    assert [m[0]["unit"] for m in inbox.messages] == ["县教育局", "县财政局", "县人力资源和社会保障局"]
    with lite_app.app_context():
        s = task()
        assert tasks.start_drafting(s.id)
        tasks.extend(s, "2017-07-12", "需实地调研", "jyj")
        db.session.commit()
        s = task()
        assert (s.state, s.due_on, s.original_due_on) == ("drafting", D("2017-07-12"), D("2017-06-12"))
        signed = signed_reply_docx()
        with liaison.work(ACTOR) as uow:
            replies.send_reply(uow, s, "南教函[2017]8号", "2017-07-10", "jyj", file_name="复函.docx", data=signed,
                               today=D("2017-07-10"))
        assert inbox.messages[-1][0] == {"role": "committee", "committee": "教科文卫体委员会", "jurisdiction": "nanbu"}
        assert "南教函〔2017〕8号" in inbox.messages[-1][2]
        out = tasks.summary(task())
        assert out["state"] == "sent" and out["replies"][0]["on_time"] is True
        import hashlib
        sha = out["replies"][0]["file_sha256"]
        assert sha == hashlib.sha256(signed).hexdigest() and db.session.get(Blob, sha).data == signed
        import docx
        assert "答复" in docx.Document(io.BytesIO(db.session.get(Blob, sha).data)).paragraphs[0].text

        # 不满意 reopens it: a second round with a one-month deadline, the first answer and its rating kept
        s = task()
        with liaison.work(ACTOR) as uow:
            replies.rate(uow, s, "教科文卫体委员会", "不满意", "未答复经费来源", "jkwwt", today=D("2017-07-20"))
        s = task()
        assert (s.state, s.status, s.round, s.due_on) == ("reopened", "open", 2, D("2017-08-21"))  # 08-20 Sunday
        assert "2017-08-21" in inbox.messages[-1][2]
        tasks.send_reply(liaison, s, "南教函〔2017〕11号", "2017-08-18", "jyj", today=D("2017-08-18"))
        tasks.rate(liaison, task(), "教科文卫体委员会", "满意", None, "jkwwt")
        db.session.commit()
        out = tasks.summary(task())
        assert out["state"] == "rated"
        assert [(r["round"], r["doc_number"], r["rating"]) for r in out["replies"]] == [
            (1, "南教函〔2017〕8号", "不满意"), (2, "南教函〔2017〕11号", "满意")]
        assert out["replies"][0]["rating_comment"] == "未答复经费来源"
        assert out["extensions"][0]["reason"] == "需实地调研" and out["extensions"][0]["by"] == "jyj"


def test_co_handlers_send_opinions_the_main_unit_sees(lite_app, inbox):
    liaison = lite_app.extensions["oa_liaison"]
    liaison.submission_received(SUB)
    with lite_app.app_context():
        s = task()
        finance = next(c for c in tasks.cohandlers(s.id) if c.unit_name == "县财政局")
        with liaison.work(ACTOR) as uow:
            replies.give_opinion(uow, s, finance, "经费可从教育附加中安排。", "czj")
        assert inbox.messages[-1][0] == {"role": "unit", "unit": "县教育局", "jurisdiction": "nanbu"}
        co = {c["unit"]: c for c in tasks.summary(s)["cohandlers"]}
        assert co["县财政局"]["opinion"] == "经费可从教育附加中安排。" and co["县财政局"]["status"] == "answered"
        assert co["县人力资源和社会保障局"]["status"] == "open"
        from oa_liaison_plugin.operations import AlreadyDone
        with pytest.raises(AlreadyDone):   # an opinion is given once
            tasks.give_opinion(finance, "再说一次", "czj")


@pytest.mark.parametrize("change,field", [
    ({"unit": "南部县火星局"}, "unit"),
    ({"committee": "县政协火星委员会"}, "committee"),
    ({"kind": "请示"}, "kind"),
    ({"received": "2017-02-30"}, "received"),
    ({"cohandlers": ["县财政局", "不存在局"]}, "cohandlers[1]"),
    ({"cohandlers": ["南部县教育局"]}, "cohandlers"),
    ({"title": ""}, "title"),
])
def test_bad_submissions_are_refused_naming_the_field(lite_app, change, field):
    liaison = lite_app.extensions["oa_liaison"]
    r = liaison.submission_received({**SUB, **change})
    assert r["status"] == "error" and r["error"].startswith(f"字段 {field}："), r
    with lite_app.app_context():
        assert task() is None


def test_bad_changes_are_refused_naming_the_field(lite_app):
    liaison = lite_app.extensions["oa_liaison"]
    liaison.submission_received(SUB)
    with lite_app.app_context():
        s = task()
        for call, field in [
            (lambda: tasks.extend(s, "2017-06-01", "x", "u"), "due"),            # earlier than the deadline
            (lambda: tasks.extend(s, "2017-09-31", "x", "u"), "due"),
            (lambda: tasks.extend(s, "2017-09-01", " ", "u"), "reason"),
            (lambda: tasks.send_reply(liaison, s, "第8号", "2017-05-01", "u"), "doc_number"),
            (lambda: tasks.send_reply(liaison, s, "南教函〔2017〕8号", "2017-03-01", "u"), "date"),
            (lambda: tasks.send_reply(liaison, s, "南教函〔2017〕8号", "2017-05-01", "u", file_name="a.exe",
                                      data=b"MZ"), "file"),
            (lambda: tasks.send_reply(liaison, s, "南教函〔2017〕8号", "2017-05-01", "u", file_name="a.pdf",
                                      data=b"PK\x03\x04"), "file"),
            (lambda: tasks.rate(liaison, s, "教科文卫体委员会", "满意", None, "c"), "submission"),  # nothing sent
        ]:
            with pytest.raises(InputError) as e:
                call()
            assert e.value.field == field and str(e.value).startswith(f"字段 {field}："), str(e.value)
            db.session.rollback()
        tasks.send_reply(liaison, s, "南教函〔2017〕8号", "2017-05-01", "u", today=D("2017-05-02"))
        db.session.commit()
        with pytest.raises(InputError) as e:
            tasks.rate(liaison, task(), "提案委员会", "满意", None, "c")    # not the committee that sent it
        assert e.value.field == "committee"
        with pytest.raises(InputError) as e:
            tasks.rate(liaison, task(), "教科文卫体委员会", "很好", None, "c")
        assert e.value.field == "rating"
        assert task().state == "sent"


def test_on_time_rate_per_unit_and_year_counts_extensions_and_overdue(app):   # SQLite and PostgreSQL
    lite_app = app
    liaison = lite_app.extensions["oa_liaison"]
    for i, unit in enumerate(["县教育局", "县教育局", "县财政局"]):
        liaison.submission_received({**SUB, "id": f"t{i}", "unit": unit, "cohandlers": []})
    with lite_app.app_context():
        tasks.extend(task("t0"), "2017-07-31", "调研", "u")
        tasks.send_reply(liaison, task("t0"), "南教函〔2017〕1号", "2017-07-20", "u", today=D("2017-08-01"))
        tasks.send_reply(liaison, task("t1"), "南教函〔2017〕2号", "2017-06-20", "u", today=D("2017-08-01"))
        db.session.commit()
        figures = tasks.on_time(task("t0").jurisdiction_id, D("2017-08-01"), 2017)
    rows = {r["unit"]: r for r in figures["units"]}
    assert (rows["县教育局"]["on_time"], rows["县教育局"]["late"], rows["县教育局"]["rate"]) == (1, 1, 0.5)
    assert (rows["县财政局"]["on_time"], rows["县财政局"]["late"]) == (0, 1)     # open, past its deadline
    assert figures["total"]["text"] == "33.3%（1/3）"


def cli(instance, *args):
    from test_cli import run
    return run(instance, *args)


def test_the_submissions_commands_keep_their_json_keys_and_refuse_bad_input(tmp_path):
    sub = tmp_path / "sub.json"
    sub.write_text(json.dumps(SUB, ensure_ascii=False), "utf-8")
    p = cli(tmp_path / "i", "submissions", "add", "--input", str(sub), "--json")
    assert p.returncode == 0, p.stderr
    assert {"submission_id", "unit", "committee", "due"} <= set(json.loads(p.stdout))
    p = cli(tmp_path / "i", "submissions", "list", "--overdue", "--today", "2017-06-13", "--unit", "县教育局", "--json")
    [line] = json.loads(p.stdout)["submissions"]
    assert line["submission_id"] == "p-1" and line["overdue"] is True and line["days_left"] == -1
    p = cli(tmp_path / "i", "submissions", "list", "--committee", "提案委员会", "--json")
    assert json.loads(p.stdout)["submissions"] == []
    p = cli(tmp_path / "i", "submissions", "extend", "p-1", "--due", "2017-02-30", "--reason", "x", "--json")
    assert p.returncode == 2 and json.loads(p.stdout)["field"] == "due" and "Traceback" not in p.stderr
    p = cli(tmp_path / "i", "submissions", "reply", "p-1", "--doc-number", "南教函〔2017〕8号", "--date", "2017-05-01",
            "--json")
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["state"] == "sent"
    p = cli(tmp_path / "i", "submissions", "rate", "p-1", "--committee", "提案委员会", "--rating", "满意", "--json")
    assert p.returncode == 2 and json.loads(p.stdout)["field"] == "committee"
    assert "只有来件的委员会" in p.stderr
    p = cli(tmp_path / "i", "submissions", "rate", "p-1", "--committee", "教科文卫体委员会", "--rating", "不满意",
            "--comment", "请补充经费来源", "--today", "2017-05-10", "--json")
    out = json.loads(p.stdout)
    assert (out["state"], out["round"], out["due"]) == ("reopened", 2, "2017-06-12")
    p = cli(tmp_path / "i", "submissions", "list", "--state", "reopened", "--json")
    assert [s["submission_id"] for s in json.loads(p.stdout)["submissions"]] == ["p-1"]
    p = cli(tmp_path / "i", "submissions", "add", "--input", str(tmp_path / "missing.json"), "--json")
    assert p.returncode == 2 and json.loads(p.stdout)["field"] == "input"


def test_migration_0008_turns_replied_submissions_into_sent_tasks(db_url):
    from sqlalchemy import text
    from conftest import upgraded_from

    def seed(conn):
        conn.execute(text("INSERT INTO liaison_committee (id, jurisdiction_id, name, aliases, position) "
                          "VALUES (1, 1, '提案委员会', '[]', 0)"))
        for i, status in ((1, "open"), (2, "replied")):
            conn.execute(text("INSERT INTO liaison_submission (id, jurisdiction_id, host_id, committee_id, unit_name, "
                              "kind, title, received_on, due_on, status) VALUES (:i, 1, :h, 1, '县教育局', '提案', "
                              "'关于X的建议', '2017-03-10', '2017-06-12', :s)"), {"i": i, "h": f"old-{i}", "s": status})
        return lambda c: c.execute(text("SELECT host_id, status, state, original_due_on, round FROM "
                                        "liaison_submission ORDER BY id")).all()
    rows = upgraded_from(db_url, "0007", seed)
    assert [(r[0], r[1], r[2], str(r[3]), r[4]) for r in rows] == [
        ("old-1", "open", "received", "2017-06-12", 1), ("old-2", "replied", "sent", "2017-06-12", 1)]
