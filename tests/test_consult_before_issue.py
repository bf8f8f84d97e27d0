"""Issue #26: a major matter's draft goes to the committees before 签发, and the signer sees their opinions."""
from __future__ import annotations

import json

from sqlalchemy import select

from helpers import cli, docx
from oa_liaison_plugin.audit import Actor, AuditEntry
from oa_liaison_plugin.models import Consultation, Copy, db, utcnow
from oa_liaison_plugin.operations import consultations as ops
from oa_liaison_plugin.replies.deadlines import is_working_day

DRAFT = {"id": "draft-26", "issuer": "南部县自然资源和规划局", "title": "关于南部县城市总体规划修编的意见（征求意见稿）",
         "flags": {"major": True}}


def test_draft_opens_one_consultation_per_committee_and_offers_the_draft(app, liaison, host):
    r = liaison.draft_for_consultation(dict(DRAFT, file=docx(issuer=DRAFT["issuer"])))
    assert r["status"] == "routed" and r["consultations"]
    names = [c["committee"] for c in r["consultations"]]
    assert "城乡建设与环境资源保护委员会" in names and len(set(names)) == len(names)
    with app.app_context():
        rows = db.session.scalars(select(Consultation)).all()
        assert {c.stage for c in rows} == {"before"}
        assert all(is_working_day(c.due_on) for c in rows)
        drafts = db.session.scalars(select(Copy)).all()
        assert {c.kind for c in drafts} == {"consultation"} and len(drafts) == len(names)
        assert all(c.snapshot["kind"] == "consultation" and c.snapshot["consultation_id"] for c in drafts)
    assert sorted(i.recipient for i in host.inbox()) == sorted(names)
    again = liaison.draft_for_consultation(dict(DRAFT))
    assert again["duplicate"] and [c["id"] for c in again["consultations"]] == [c["id"] for c in r["consultations"]]


def test_classified_draft_is_never_sent(app, liaison, host):
    r = liaison.draft_for_consultation(dict(DRAFT, id="draft-secret",
                                            file=docx(issuer=DRAFT["issuer"], secrecy="秘密", secrecy_period="1年")))
    assert r["held"] and r["consultations"] == [] and "密级" in r["hold_reason"]
    assert host.inbox() == []
    with app.app_context():
        assert db.session.scalars(select(Copy)).all() == []


def test_signer_sees_the_opinion_and_issue_records_consultation_before(app, liaison, host):
    r = liaison.draft_for_consultation(dict(DRAFT))
    first = r["consultations"][0]
    advice = liaison.check_before_issue(dict(DRAFT))
    assert any(first["committee"] in m and "尚未反馈" in m and first["due"] in m for m in advice)
    with liaison.work(Actor.cli()) as uow:
        ops.answer(uow, db.session.get(Consultation, first["id"]), "建议补充生态保护红线的内容", utcnow(), "修改意见")
    advice = liaison.check_before_issue(dict(DRAFT))
    assert any(m.startswith(first["committee"] + "（") and "：修改意见——建议补充生态保护红线的内容" in m for m in advice)
    issued = liaison.document_issued(dict(DRAFT, title="关于南部县城市总体规划修编的意见"))
    assert issued["status"] == "routed" and issued["consulted_before_issue"] is True
    assert issued["consultation_ids"] == [c["id"] for c in r["consultations"]]
    with app.app_context():
        assert db.session.query(Consultation).count() == len(r["consultations"])
        kinds = sorted(c.kind for c in db.session.scalars(select(Copy)))
        assert kinds.count("copy") == len(issued["committees"])
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "consultation.answer")) is not None


def test_major_matter_issued_without_draft_is_recorded_as_not_consulted(app, liaison, host):
    issued = liaison.document_issued(dict(DRAFT, id="no-draft"))
    assert issued["consulted_before_issue"] is False and issued["consultation_ids"] == []
    assert any(r["code"] == "not_consulted_before" and "未经事前协商" in r["text"] for r in issued["reasons"])
    with app.app_context():
        assert {c.stage for c in db.session.scalars(select(Consultation))} == {"after"}


def test_cli_opens_and_answers(tmp_path):
    path = tmp_path / "draft.json"
    path.write_text(json.dumps(DRAFT, ensure_ascii=False), encoding="utf-8")
    opened = cli(tmp_path / "i", "consultations", "open", "--input", str(path), "--json")
    assert opened.returncode == 0, opened.stderr
    out = json.loads(opened.stdout)
    assert set(out) >= {"document_id", "consultations", "reasons"} and out["document_id"] == "draft-26"
    assert all(set(c) == {"id", "committee", "due"} for c in out["consultations"])
    cid = str(out["consultations"][0]["id"])
    answered = cli(tmp_path / "i", "consultations", "answer", cid, "--opinion", "同意", "--position", "同意", "--json")
    assert answered.returncode == 0, answered.stderr
    assert json.loads(answered.stdout)["status"] == "answered"
    twice = cli(tmp_path / "i", "consultations", "answer", cid, "--opinion", "再次", "--json")
    assert twice.returncode == 2 and "已经反馈" in json.loads(twice.stdout)["error"]
    bad = cli(tmp_path / "i", "consultations", "answer", "99999", "--opinion", "x", "--json")
    assert bad.returncode == 2 and json.loads(bad.stdout)["field"] == "consultation_id"


def test_open_consultation_is_reminded_before_due_and_when_overdue_once(app, liaison, host):
    import datetime as dt
    from oa_liaison_plugin import reminders
    r = liaison.draft_for_consultation(dict(DRAFT, id="draft-remind"))
    due = dt.date.fromisoformat(r["consultations"][0]["due"])
    before = [x for x in reminders.run(liaison, due - dt.timedelta(days=3)) if x["kind"] == "consultation"]
    assert {x["consultation_id"] for x in before} == {c["id"] for c in r["consultations"]}
    assert all(x["offset_days"] == 3 for x in before)
    late = [x for x in reminders.run(liaison, due + dt.timedelta(days=1)) if x["kind"] == "consultation"]
    assert late and all(x["offset_days"] == 0 and x["title"].startswith("已超期") for x in late)
    assert [x for x in reminders.run(liaison, due + dt.timedelta(days=1)) if x["kind"] == "consultation"] == []


def test_not_consulted_before_is_stored_in_the_decision_and_kept_by_a_re_decision(app, liaison, host):
    from oa_liaison_plugin.decision.route import redecide
    from oa_liaison_plugin.models import Decision, Document
    from oa_liaison_plugin.web.users.accounts import create_user
    from test_web_support import PASSWORD, login
    liaison.document_issued(dict(DRAFT, id="no-draft"))
    liaison.draft_for_consultation(dict(DRAFT, id="with-draft"))
    liaison.document_issued(dict(DRAFT, id="with-draft"))
    with app.app_context():
        def codes(host_id):
            doc = db.session.scalar(select(Document).where(Document.host_id == host_id))
            last = db.session.scalar(select(Decision).where(Decision.document_id == doc.id)
                                     .order_by(Decision.id.desc()))
            return doc, [r["code"] for r in last.reasons]
        doc, stored = codes("no-draft")
        assert stored.count("not_consulted_before") == 1
        assert "not_consulted_before" not in codes("with-draft")[1]
        with liaison.context():
            redecide(liaison, doc, "backfill")
            db.session.commit()
        assert codes("no-draft")[1].count("not_consulted_before") == 1
        create_user(liaison, username="adm1", password=PASSWORD, role="admin", unit=None, committee=None)
        db.session.commit()
        doc_id = doc.id
    client = app.test_client()
    login(client, "adm1")
    assert "未经事前协商" in client.get(f"/documents/{doc_id}").get_data(as_text=True)   # the document page


def test_answer_attachment_is_read_for_secrecy_size_limited_and_kept_for_the_unit(app, liaison, host):
    import base64
    import hashlib
    import pytest
    from oa_liaison_plugin.errors import InputError
    from oa_liaison_plugin.models import Blob
    first = liaison.draft_for_consultation(dict(DRAFT, id="draft-attach"))["consultations"][0]["id"]
    second = liaison.draft_for_consultation(dict(DRAFT, id="draft-attach-2"))["consultations"][0]["id"]
    secret = docx(issuer="城乡建设与环境资源保护委员会", secrecy="机密", secrecy_period="2年")
    refused = liaison.consultation_answered({"consultation_id": first, "opinion": "见附件", "position": "修改意见",
                                             "attachment": {"name": "意见.docx",
                                                            "data_base64": base64.b64encode(secret).decode()}})
    assert refused["status"] == "error" and refused["field"] == "attachment" and "机密" in refused["error"]
    app.config["CONSULTATION_ATTACHMENT_MAX_BYTES"] = 100
    with pytest.raises(InputError, match="附件过大"), liaison.work(Actor.cli()) as uow:
        ops.answer(uow, db.session.get(Consultation, second), "见附件", utcnow(), attachment_name="a.docx",
                   attachment=docx())
    app.config["CONSULTATION_ATTACHMENT_MAX_BYTES"] = 20 * 1024 * 1024
    plain = docx(issuer="城乡建设与环境资源保护委员会", doc_number=None, title="修改建议")
    ok = liaison.consultation_answered({"consultation_id": first, "opinion": "见附件", "position": "修改意见",
                                        "attachment": {"name": "修改建议.docx",
                                                       "data_base64": base64.b64encode(plain).decode()}})
    assert ok == {"consultation_id": first, "status": "answered", "attachment_name": "修改建议.docx"}
    with app.app_context():
        assert db.session.get(Blob, hashlib.sha256(secret).hexdigest()) is None
        c = db.session.get(Consultation, first)
        assert db.session.get(Blob, c.attachment_sha256).data == plain
        assert db.session.get(Consultation, second).status == "open"


def test_a_draft_is_not_an_issued_document_in_lists_counts_review_or_backfill(app, liaison, host):
    """Drafts are stored with status ``drafted``: not listed or counted as issued, never 待映射, not 抄送 in the
    review, and a backfill does not turn one into an issued document."""
    import datetime as dt
    from oa_liaison_plugin.decision.backfill import backfill_since
    from oa_liaison_plugin.models import Document
    from oa_liaison_plugin.review import year_review
    from oa_liaison_plugin.web.users.accounts import create_user
    from test_web_support import PASSWORD, login
    r = liaison.draft_for_consultation(dict(DRAFT, id="draft-only", issued_on="2017-04-01"))
    assert r["consultations"]
    liaison.draft_for_consultation({"id": "draft-stranger", "issuer": "南部县未知筹备办", "title": "某事项（征求意见稿）",
                                    "flags": {"major": True}})
    with app.app_context():
        create_user(liaison, username="adm", password=PASSWORD, role="admin", unit=None, committee=None)
        create_user(liaison, username="zr", password=PASSWORD, role="unit", unit="南部县自然资源和规划局", committee=None)
        db.session.commit()
    admin = app.test_client()
    login(admin, "adm")
    listed = admin.get("/documents").get_data(as_text=True)
    assert DRAFT["title"] not in listed and "某事项" not in listed          # not among the issued documents
    assert DRAFT["title"] in admin.get("/documents?status=drafted").get_data(as_text=True)
    assert "南部县未知筹备办" not in admin.get("/unmatched").get_data(as_text=True)   # never 待映射
    unit = app.test_client()
    login(unit, "zr")
    home = unit.get("/").get_data(as_text=True)
    assert '<div class="n zero">0</div><div class="t">份本单位发文' in home
    with app.app_context():
        review = year_review(liaison, liaison.jurisdiction(), 2017)
        assert sum(c["copies"] for c in review["committees"]) == 0
        assert sum(u["documents_copied"] for u in review["units"]) == 0
        assert review["totals"]["consultations_before"] == 1
        with liaison.context():
            backfill_since(liaison, dt.date(2000, 1, 1), apply=True)
        assert {d.status for d in db.session.scalars(select(Document))} == {"drafted"}
        assert {c.kind for c in db.session.scalars(select(Copy))} == {"consultation"}
