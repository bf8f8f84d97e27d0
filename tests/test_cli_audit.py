"""Every command that changes data leaves exactly one audit entry naming who ran it (cli:<os user>)."""
from __future__ import annotations

import getpass
import json

import click
from click.testing import CliRunner
from sqlalchemy import func, select

from oa_liaison_plugin.cli import main
from oa_liaison_plugin.models import Copy, db
from oa_liaison_plugin.web.models import AuditEntry
from test_meetings import RECORD
from test_reply_tasks import SUB

ACTOR = f"cli:{getpass.getuser()}"

# Commands that change nothing a person decides: they read, write files, or feed ledgers of their own
# (the event inbox, the copy ledger, the reminder ledger), which record who and when themselves.
NOT_AUDITED = {
    "resolve", "table export", "route", "backfill", "deliver", "demo", "db upgrade", "db current",
    "meetings minutes", "meetings compliance", "leaders list", "leaders report", "topics list", "report year",
    "submissions list", "submissions on-time", "remind", "hosts list", "event", "worker", "serve", "users list",
    "draft reply", "draft consultation", "draft minutes", "deliveries",
    "hosts test",   # sends a test event, changes nothing
    "import-notice",   # without --apply it only prints; --apply is run below
    "consultations open",   # a host's event (document.drafted) from a file, like `event`: recorded as a decision
    "consultations letter",   # writes a .docx (and the draft beside it), changes nothing
}


def _commands(group: click.Group, prefix: str = ""):
    for name, cmd in group.commands.items():
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, f"{prefix}{name} ")
        else:
            yield f"{prefix}{name}"


def _path(args) -> str:
    """The command a command line runs, e.g. "hosts add"."""
    cmd, parts = main, []
    for a in args:
        if not isinstance(cmd, click.Group) or a not in cmd.commands:
            break
        cmd = cmd.commands[a]
        parts.append(a)
    return " ".join(parts)


def _audit_count(app) -> int:
    with app.app_context():
        n = db.session.scalar(select(func.count(AuditEntry.id)))
        db.session.remove()
        return n


def test_every_mutating_command_writes_exactly_one_audit_entry_naming_the_shell_user(lite_app, tmp_path,
                                                                                     notice_text):
    app = lite_app
    env = {"OA_LIAISON_INSTANCE_PATH": app.instance_path, "OA_LIAISON_DATABASE_URL": app.config["DATABASE_URL"],
           "OA_LIAISON_PASSWORD": "a-long-password-2017"}
    ran: set[str] = set()

    def run(*args, stdin=None):
        before = _audit_count(app)
        r = CliRunner().invoke(main, list(args), env=env, input=stdin)
        assert r.exit_code == 0, (args, r.output, r.exception)
        with app.app_context():
            new = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id).offset(before)).all()
            entries = [(e.action, e.username, e.jurisdiction_id) for e in new]
            db.session.remove()
        assert len(entries) == 1, (args, entries)
        [(action, who, jurisdiction_id)] = entries
        assert who == ACTOR and jurisdiction_id is not None, (args, entries)
        ran.add(_path(args))
        return r.output

    (tmp_path / "table.json").write_text(CliRunner().invoke(main, ["table", "export"], env=env).output, "utf-8")
    run("table", "load", str(tmp_path / "table.json"))
    (tmp_path / "notice.txt").write_text(notice_text, "utf-8")
    run("import-notice", str(tmp_path / "notice.txt"), "--apply", "--json")
    run("table", "rollback")
    run("table", "map", "南部县火星局", "县教育局")

    run("hosts", "add", "oa1", "-j", "nanbu")
    run("hosts", "rotate", "oa1")
    run("hosts", "update", "oa1", "--require-file")
    run("hosts", "update", "oa1", "--decisions")
    run("hosts", "remove", "oa1")

    run("users", "add", "clerk1", "--role", "unit", "--unit", "县教育局")
    run("users", "passwd", "clerk1")

    run("leaders", "set", "县教育局", "--name", "王明", "--post", "局长", "--phone", "0817-5512345",
        "--since", "2017-01-01")
    run("leaders", "set", "县卫健局", "--name", "刘芳", "--post", "副局长", "--phone", "0817-5512345",
        "--since", "2017-01-01")
    run("meetings", "member", "教科文卫体委员会", "陈刚", "主任")
    run("meetings", "member", "教科文卫体委员会", "李华", "委员", "--unit", "县教育局")
    (tmp_path / "m.json").write_text(json.dumps(RECORD, ensure_ascii=False), "utf-8")
    run("meetings", "record", str(tmp_path / "m.json"))
    (tmp_path / "signed.pdf").write_bytes(b"%PDF-1.4\n%signed minutes\n")
    run("meetings", "sign", RECORD["id"], str(tmp_path / "signed.pdf"))
    topic = json.loads(CliRunner().invoke(main, ["topics", "list", "2017", "--json"], env=env).output)["topics"][0]
    run("topics", "set", str(topic["id"]), "in_progress", "--on", "2017-04-01")

    (tmp_path / "sub.json").write_text(json.dumps(SUB, ensure_ascii=False), "utf-8")
    run("submissions", "add", "--input", str(tmp_path / "sub.json"))
    run("submissions", "extend", "p-1", "--due", "2017-07-01", "--reason", "需调研")
    run("submissions", "opinion", "p-1", "--unit", "县财政局", "--text", "同意")
    run("submissions", "reply", "p-1", "--doc-number", "南教函〔2017〕8号", "--date", "2017-05-01")
    run("submissions", "rate", "p-1", "--committee", "教科文卫体委员会", "--rating", "满意")
    (tmp_path / "draft.json").write_text(json.dumps({"id": "d-1", "issuer": "南部县自然资源和规划局",
                                                     "flags": {"major": True}, "title": "规划修编（征求意见稿）"},
                                                    ensure_ascii=False), "utf-8")
    opened = json.loads(CliRunner().invoke(main, ["consultations", "open", "--input", str(tmp_path / "draft.json"),
                                                  "--json"], env=env).output)
    run("consultations", "answer", str(opened["consultations"][0]["id"]), "--opinion", "同意", "--position", "同意")

    liaison = app.extensions["oa_liaison"]
    with app.app_context():
        liaison.document_issued({"id": "note-1", "issuer": "南部县教育局", "title": "关于校园安全检查的通知",
                                 "note": "此件不公开"})
        liaison.document_issued({"id": "secret-1", "issuer": "南部县教育局", "title": "关于保密检查的通知",
                                 "secrecy": "机密"})
        db.session.remove()
    run("documents", "decide", "note-1", "--no-copy", "--reason", "附注限制")
    run("documents", "handover", "secret-1", "--committee", "教科文卫体委员会", "--handed-on", "2017-03-20",
        "--handed-by", "县委机要局 王某", "--reason", "机要交通送达")

    with app.app_context():   # a copy given up after the retry window, redelivered by a person
        liaison.document_issued({"id": "copied-1", "issuer": "南部县教育局", "title": "关于印发教育发展规划的通知",
                                 "flags": {"important": True}})
        db.session.execute(Copy.__table__.update().values(status="dead"))
        db.session.commit()
        dead = db.session.scalar(select(Copy.id))
    run("deliveries", "redeliver", f"copy-{dead}")

    every = set(_commands(main))
    assert every - NOT_AUDITED - ran == set(), "a command that changes data without an audit test"
