"""`documents decide|handover`: a held document decided from the shell, a classified one never sent."""
from __future__ import annotations

import json

from sqlalchemy import select
from test_cli import run


def _issue(app, **kw):
    liaison = app.extensions["oa_liaison"]
    return liaison.document_issued({"issuer": "南部县教育局", "title": "关于校园安全检查的通知",
                                    "flags": {"important": True}, **kw})


def _state(app, host_id):
    from oa_liaison_plugin.models import Copy, Decision, Document, db
    from oa_liaison_plugin.web.models import AuditEntry
    with app.app_context():
        row = db.session.scalar(select(Document).where(Document.host_id == host_id))
        copies = db.session.scalars(select(Copy).where(Copy.document_id == row.id)).all()
        last = db.session.scalar(select(Decision).where(Decision.document_id == row.id).order_by(Decision.id.desc()))
        audit = db.session.scalars(select(AuditEntry).where(AuditEntry.target == f"document-{row.id}")).all()
        return row.status, len(copies), last, [(a.action, a.username, a.after) for a in audit]


def test_a_classified_document_is_not_sent_from_the_shell_only_handed_over(lite_app, sqlite_url, tmp_path):
    app = lite_app
    r = _issue(app, id="secret-1", secrecy="机密")
    assert r["status"] == "held"
    env = {"OA_LIAISON_DATABASE_URL": sqlite_url}
    inst = tmp_path / "instance"
    p = run(inst, "documents", "decide", "secret-1", "--copy-to", "教科文卫体委员会", "--reason", "内部传阅",
            "--yes", "--json", env=env)
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert json.loads(p.stdout)["field"] == "copy_to" and "不得通过本系统传送" in json.loads(p.stdout)["error"]
    assert _state(app, "secret-1")[:2] == ("held", 0)

    bad = run(inst, "documents", "handover", "secret-1", "--committee", "火星委员会", "--handed-on", "2017-03-20",
              "--handed-by", "县委机要局 王某", "--reason", "机要交通送达", "--json", env=env)
    assert bad.returncode == 2 and json.loads(bad.stdout)["field"] == "committee[0]"
    bad = run(inst, "documents", "handover", "secret-1", "--committee", "教科文卫体委员会", "--handed-on", "2017-02-30",
              "--handed-by", "王某", "--reason", "x", "--json", env=env)
    assert bad.returncode == 2 and json.loads(bad.stdout)["field"] == "handed_on"

    p = run(inst, "documents", "handover", "secret-1", "--committee", "教科文卫体委员会", "--handed-on", "2017-03-20",
            "--handed-by", "县委机要局 王某", "--reason", "经县保密办同意，机要交通送达", "--json", env=env)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["status"] == "offline" and out["committees"] == ["教科文卫体委员会"]
    status, copies, last, audit = _state(app, "secret-1")
    assert (status, copies, last.trigger, last.committees) == ("offline", 0, "handover", [])
    [(action, who, after)] = audit
    assert action == "document.handover" and who.startswith("cli:") and after["handed_by"] == "县委机要局 王某"


def test_an_unclassified_held_document_is_sent_only_with_yes(lite_app, sqlite_url, tmp_path):
    app = lite_app
    assert _issue(app, id="note-1", note="此件不公开")["status"] == "held"
    env = {"OA_LIAISON_DATABASE_URL": sqlite_url}
    inst = tmp_path / "instance"
    p = run(inst, "documents", "decide", "note-1", "--copy-to", "教科文卫体委员会", "--reason", "内部传阅", "--json",
            env=env)
    assert p.returncode == 2 and json.loads(p.stdout)["field"] == "yes" and "不能撤回" in json.loads(p.stdout)["error"]
    assert _state(app, "note-1")[:2] == ("held", 0)
    p = run(inst, "documents", "handover", "note-1", "--committee", "教科文卫体委员会", "--handed-on", "2017-03-20",
            "--handed-by", "王某", "--reason", "x", "--json", env=env)
    assert p.returncode == 2 and json.loads(p.stdout)["field"] == "document"
    p = run(inst, "documents", "decide", "note-1", "--copy-to", "教科文卫体委员会", "--copy-to", "教科文卫体委员会",
            "--reason", "附注限制对外公开，委员会内部可阅", "--yes", "--json", env=env)
    assert p.returncode == 0, p.stderr
    status, copies, last, audit = _state(app, "note-1")
    assert (status, copies, last.trigger) == ("routed", 1, "manual")
    assert [(a, w.startswith("cli:")) for a, w, _ in audit] == [("document.manual_copy", True)]
    again = run(inst, "documents", "decide", "note-1", "--no-copy", "--reason", "x", "--json", env=env)
    assert again.returncode == 3 and json.loads(again.stdout)["field"] == "document"
    missing = run(inst, "documents", "decide", "nosuch", "--no-copy", "--reason", "x", "--json", env=env)
    assert missing.returncode == 3 and "Traceback" not in missing.stderr
