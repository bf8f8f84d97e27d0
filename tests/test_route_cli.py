"""oa-liaison route (dry run) and backfill, as a user runs them."""
from __future__ import annotations

import datetime as dt
import json

from test_cli import run

from oa_liaison_plugin.documents.samples import make_issued_docx

KEYS = {"qualified", "held", "hold_reason", "committees", "consultation_committees", "reasons"}


def sample(tmp_path, name="doc.docx", **kw):
    base = dict(issuer="南部县教育局", doc_number="南教发〔2017〕12号", title="关于印发《南部县义务教育均衡发展实施方案》的通知",
                main_recipients=["县级各部门"], body_paragraphs=["为推进义务教育均衡发展……"], date=dt.date(2017, 3, 5))
    base.update(kw)
    path = tmp_path / name
    path.write_bytes(make_issued_docx(**base))
    return path


def test_route_dry_run_from_file(tmp_path):
    p = run(tmp_path / "i", "route", "--file", str(sample(tmp_path)), "--json")
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert KEYS <= set(out)
    assert out["qualified"] and not out["held"] and out["committees"][0] == "教科文卫体委员会"
    assert any("实施方案" in r["text"] for r in out["reasons"])
    # nothing was stored: a dry run leaves no document behind
    from sqlalchemy import create_engine, text
    engine = create_engine(f"sqlite:///{tmp_path / 'i' / 'oa-liaison.sqlite3'}")
    with engine.connect() as c:
        assert c.execute(text("SELECT COUNT(*) FROM liaison_document")).scalar() == 0
    engine.dispose()


def test_route_flags_override_the_file(tmp_path):
    path = sample(tmp_path)
    out = json.loads(run(tmp_path / "i", "route", "--file", str(path), "--secrecy", "机密", "--json").stdout)
    assert out["held"] and not out["qualified"] and out["committees"] == [] and "机密" in out["hold_reason"]
    out = json.loads(run(tmp_path / "i", "route", "--file", str(path), "--issuer", "南部县财政局", "--major",
                         "--json").stdout)
    assert out["committees"][0] == "城市经济委员会" and out["consultation_committees"]


def test_route_without_file(tmp_path):
    out = json.loads(run(tmp_path / "i", "route", "--issuer", "南部县财政局", "--title", "关于县级预算调整方案的报告",
                         "--main-recipient", "县人大常委会", "--json").stdout)
    assert out["qualified"] and "城市经济委员会" in out["committees"]
    out = json.loads(run(tmp_path / "i", "route", "--issuer", "南部县火星局", "--title", "关于实施方案的通知",
                         "--json").stdout)
    assert out["held"] and "不在对口联系表中" in out["hold_reason"]


def test_route_bad_file_is_a_clear_hold(tmp_path):
    bad = tmp_path / "bad.docx"
    bad.write_bytes(b"PK\x03\x04 truncated")
    p = run(tmp_path / "i", "route", "--file", str(bad), "--issuer", "南部县教育局", "--json")
    assert p.returncode == 4 and "Traceback" not in p.stderr and "无法读取" in p.stderr  # EXIT_UNREADABLE
    out = json.loads(p.stdout)
    assert out["held"] and "文件无法读取" in out["hold_reason"]


def test_route_needs_something(tmp_path):
    p = run(tmp_path / "i", "route", "--json")
    assert p.returncode == 2 and "--file" in p.stderr


def test_backfill_directory_dry_run_then_apply(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    sample(docs, "a.docx")
    sample(docs, "b.docx", title="关于2017年国庆节放假安排的通知", doc_number="南教发〔2017〕40号")
    sample(docs, "c.docx", issuer="南部县公安局", title="关于专项整治的实施方案", secrecy="机密", secrecy_period="1年")
    dry = json.loads(run(tmp_path / "i", "backfill", str(docs), "--json").stdout)
    assert dry["documents"] == 3 and not dry["applied"] and dry["new_copies"] == 0
    assert dry["by_status"] == {"routed": 1, "not_qualified": 1, "held": 1}
    applied = json.loads(run(tmp_path / "i", "backfill", str(docs), "--apply", "--json").stdout)
    assert applied["applied"] and applied["new_copies"] >= 1
    again = json.loads(run(tmp_path / "i", "backfill", str(docs), "--apply", "--json").stdout)
    assert again["new_copies"] == 0  # exactly once, even across runs


def test_backfill_since_after_a_rule_change(tmp_path, sqlite_url):
    from conftest import make_app
    from oa_liaison_plugin.audit import Actor
    from oa_liaison_plugin.operations import rules
    app = make_app(sqlite_url, tmp_path / "inst")
    liaison = app.extensions["oa_liaison"]
    for i in range(5):
        liaison.document_issued({"id": f"d{i}", "issuer": "南部县教育局", "title": f"关于开展第{i}届读书月活动的通知"})
    from oa_liaison_plugin.decision.backfill import backfill_since
    with app.app_context():
        assert backfill_since(liaison, dt.date(2000, 1, 1), apply=False)["changed"] == 0
        with liaison.work(Actor("test")) as uow:
            rules.save(uow, liaison.jurisdiction(), {"id": "reading", "name": "读书月", "action": "important",
                                                 "match": "any", "terms": ["读书月"], "fields": ["title"]})
        dry = backfill_since(liaison, dt.date(2000, 1, 1), apply=False)
        assert dry["changed"] == 5 and dry["new_copies"] == 0
        done = backfill_since(liaison, dt.date(2000, 1, 1), apply=True)
        assert done["new_copies"] == 5 and done["by_status"] == {"routed": 5}
        assert backfill_since(liaison, dt.date(2000, 1, 1), apply=True)["new_copies"] == 0


def test_backfill_keeps_a_persons_decision(lite_app):
    from sqlalchemy import func, select
    from oa_liaison_plugin.models import Decision, Document, db
    from oa_liaison_plugin.decision.backfill import backfill_since
    from oa_liaison_plugin.decision.qualify import Verdict
    from oa_liaison_plugin.decision.route import record
    liaison = lite_app.extensions["oa_liaison"]
    r = liaison.document_issued({"id": "m1", "issuer": "南部县教育局", "title": "关于教育改革的实施方案",
                                 "secrecy": "机密"})
    assert r["status"] == "held"
    with lite_app.app_context():
        row = db.session.scalar(select(Document).where(Document.host_id == "m1"))
        jur = liaison.jurisdiction()
        verdict = Verdict(status="routed", qualified=True, committees=["教科文卫体委员会"],
                          reasons=[{"code": "manual", "text": "管理员人工分送"}])
        row.status = "routed"
        record(liaison, jur, row.id, {"host_id": row.host_id, "meta": row.meta}, verdict, "manual")
        db.session.commit()
        decisions = db.session.scalar(select(func.count(Decision.id)))
        for apply in (False, True):
            summary = backfill_since(liaison, dt.date(2000, 1, 1), apply=apply)
            assert summary["manual_kept"] == 1 and summary["changed"] == 0
        assert db.session.scalar(select(func.count(Decision.id))) == decisions
        assert db.session.scalar(select(Document.status).where(Document.host_id == "m1")) == "routed"


def test_backfill_reads_every_format_and_lists_what_it_skips(tmp_path):
    import importlib.util
    import sys
    from dataclasses import replace
    from pathlib import Path

    import word97
    spec = importlib.util.spec_from_file_location(
        "build_corpus_ofd_pdf", Path(__file__).resolve().parents[1] / "tools" / "build_corpus_ofd_pdf.py")
    build = sys.modules.setdefault(spec.name, importlib.util.module_from_spec(spec))
    spec.loader.exec_module(build)
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.ofd").write_bytes(build.ofd_of(build.NOTICE))
    (docs / "b.pdf").write_bytes(build.pdf_of(replace(build.NOTICE, secrecy="秘密", period="1年")))
    (docs / "c.doc").write_bytes(word97.compound_file(word97.word_streams(word97.lines(
        "南部县财政局文件", "南财发〔2023〕3号", "关于2023年县级预算执行情况的报告", "县人大常委会：", "现将有关情况报告如下。"))))
    (docs / "d.wps").write_bytes((docs / "c.doc").read_bytes())
    sample(docs, "e.docx")
    (docs / "readme.txt").write_text("说明")
    (docs / "photo.jpg").write_bytes(b"\xff\xd8\xff not a document")
    p = run(tmp_path / "i", "backfill", str(docs), "--json")
    assert p.returncode == 4 and "Traceback" not in p.stderr   # files were skipped: said, listed, exit 4
    out = json.loads(p.stdout)
    formats = {Path(f["file"]).name: (f["format"], f["status"]) for f in out["files"]}
    assert formats == {"a.ofd": ("ofd", formats["a.ofd"][1]), "b.pdf": ("pdf", "held"),
                       "c.doc": ("doc", formats["c.doc"][1]), "d.wps": ("wps", formats["d.wps"][1]),
                       "e.docx": ("docx", formats["e.docx"][1])}
    assert all(status != "held" for name, (_, status) in formats.items() if name != "b.pdf")
    assert {Path(x["file"]).name for x in out["skipped"]} == {"readme.txt", "photo.jpg"}
    assert "readme.txt" in p.stderr and out["unreadable"] == 0


def test_backfill_records_a_batch_at_once_and_adds_nothing_twice(lite_app):
    from sqlalchemy import func, select
    from oa_liaison_plugin.models import Consultation, Copy, Decision, db
    from oa_liaison_plugin.decision.backfill import backfill_since
    liaison = lite_app.extensions["oa_liaison"]
    for i in range(4):   # major matters: copies and consultations; and one document not copied at all
        liaison.document_issued({"id": f"m{i}", "issuer": "南部县教育局", "flags": {"major": True},
                                 "title": f"关于全县教育事业发展规划（第{i}稿）的重大事项"})
    liaison.document_issued({"id": "n", "issuer": "南部县教育局", "title": "关于国庆节放假安排的通知"})
    with lite_app.app_context():
        def counts():
            return [db.session.scalar(select(func.count(m.id))) for m in (Copy, Consultation, Decision)]
        copies, consultations, decisions = counts()
        assert copies >= 4 and consultations >= 4
        db.session.execute(Copy.__table__.delete().where(Copy.id == db.session.scalar(select(func.max(Copy.id)))))
        db.session.commit()
        done = backfill_since(liaison, dt.date(2000, 1, 1), apply=True)
        assert done["new_copies"] == 1 and done["by_status"] == {"routed": 4, "not_qualified": 1}
        assert counts() == [copies, consultations, decisions + 5]   # the lost copy back; one decision each
