"""Form (5): qualification, committees, holds, exactly-once copies and consultations, via the reference host."""
from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from sqlalchemy import func, select

from helpers import docx
from oa_liaison_plugin import hookimpl
from oa_liaison_plugin.models import Blob, Consultation, Copy, Decision, Document, EventError, db
from oa_liaison_plugin.audit import Actor
from oa_liaison_plugin.operations import rules


def copies(app, host_id=None):
    with app.app_context():
        q = select(Copy).join(Document)
        if host_id:
            q = q.where(Document.host_id == host_id)
        return [(c.committee.name if c.committee_id else c.unit.name, c.status) for c in db.session.scalars(q)]


def test_important_document_copied_to_counterpart_and_topic_committees(app, host):
    r = host.issue(issuer="南部县教育局", file=docx())
    assert r["status"] == "routed" and r["qualified"]
    assert r["committees"][0] == "教科文卫体委员会"
    assert copies(app, r["host_id"]) == [(c, "delivered") for c in r["committees"]]
    assert [i.recipient for i in host.inbox()] == r["committees"]
    with app.app_context():
        d = db.session.scalar(select(Decision).order_by(Decision.id.desc()))
        texts = " ".join(x["text"] for x in d.reasons)
        assert "实施方案" in texts and "对口教科文卫体委员会" in texts
        assert any(x.get("field") == "title" and x.get("rule") for x in d.reasons)


def test_npc_report_by_main_recipient(app, host):
    r = host.issue(issuer="南部县财政局", title="关于2017年县级预算调整方案的报告",
                   main_recipients=["南部县人民代表大会常务委员会"], body="现将预算调整方案报告如下")
    assert r["status"] == "routed" and "城市经济委员会" in r["committees"]
    with app.app_context():
        d = db.session.scalar(select(Decision).order_by(Decision.id.desc()))
        assert any(x["code"] == "rule:npc" for x in d.reasons)


def test_routine_holiday_notice_is_not_copied_with_reason(app, host):
    r = host.issue(issuer="南部县卫生健康局", title="关于2017年国庆节放假安排的通知", body="根据国务院办公厅通知……")
    assert r["status"] == "not_qualified" and r["committees"] == []
    assert copies(app, r["host_id"]) == []
    with app.app_context():
        d = db.session.scalar(select(Decision).order_by(Decision.id.desc()))
        assert d.reasons[0]["code"] == "not_qualified"
        assert any(x["code"] == "rule:exclude" for x in d.reasons)


def test_host_flag_beats_exclusion(app, host):
    r = host.issue(issuer="南部县卫生健康局", title="关于2017年国庆节放假安排的通知", flags={"important": True})
    assert r["status"] == "routed"


def test_major_matter_opens_consultation_with_due_date(app, host):
    r = host.issue(issuer="南部县自然资源和规划局", title="关于南部县城市总体规划修编的意见",
                   issued_on="2017-05-02", flags={"major": True})
    assert r["consultation_committees"] and r["consultation_committees"] == r["committees"]
    with app.app_context():
        rows = db.session.scalars(select(Consultation)).all()
        assert {c.committee.name for c in rows} == set(r["committees"])
        assert {c.due_on for c in rows} == {dt.date(2017, 5, 17)}
        assert all(c.status == "open" and c.opinion is None for c in rows)


@pytest.mark.parametrize("kw", [
    dict(secrecy="机密", secrecy_period="1年"),
    dict(secrecy="秘密", copy_number="000123"),
    dict(note="此件不公开"),
])
def test_classified_or_restricted_file_is_held(app, host, kw):
    r = host.issue(issuer="南部县公安局", file=docx(issuer="南部县公安局", **kw), flags={"important": True})
    assert r["status"] == "held" and r["held"] and r["committees"] == []
    assert "不自动抄送" in r["hold_reason"]
    assert copies(app, r["host_id"]) == [] and host.inbox() == []


def test_host_secrecy_field_holds_even_when_the_file_is_clean(app, host):
    r = host.issue(issuer="南部县教育局", file=docx(), secrecy="内部")
    assert r["status"] == "held" and "内部" in r["hold_reason"]


def test_unknown_issuer_held_then_routed_when_mapped(app, liaison, host):
    r = host.issue(issuer="南部县新华书店", title="关于推进全民阅读的实施方案", flags={"important": True})
    assert r["status"] == "unmatched" and "南部县新华书店" in r["hold_reason"]
    assert copies(app, r["host_id"]) == []
    from oa_liaison_plugin.table import file as table
    from oa_liaison_plugin.decision.route import reroute_unmatched
    with app.app_context():
        data = table.export("nanbu")
        next(u for u in data["units"] if u["name"] == "县文联")["aliases"].append("南部县新华书店")
        table.load(data)
    assert reroute_unmatched(liaison) == [r["host_id"]]
    assert copies(app, r["host_id"])[0] == ("学习文史委员会", "delivered")
    with app.app_context():
        assert db.session.scalar(select(Document.status).where(Document.host_id == r["host_id"])) == "routed"


def test_issuing_again_never_makes_a_second_copy(app, liaison, host):
    r = host.issue(issuer="南部县教育局", file=docx())
    again = liaison.document_issued({"id": r["host_id"], "issuer": "南部县教育局", "file": docx()})
    assert again["duplicate"] and again["committees"] == r["committees"]
    assert len(copies(app, r["host_id"])) == len(r["committees"])
    assert len(host.inbox()) == len(r["committees"])


def test_delivery_failure_is_retried_and_never_breaks_issuing(app, liaison, host):
    host.fail_deliveries = 1000  # the host's inbox service is down
    r = host.issue(issuer="南部县教育局", file=docx())
    assert r["status"] == "routed"
    with app.app_context():
        pending = db.session.scalars(select(Copy).where(Copy.status == "pending")).all()
        assert len(pending) == len(r["committees"])
        assert all("暂不可用" in c.last_error and c.attempts == 1 for c in pending)
        errors = db.session.scalar(select(func.count(EventError.id)).where(EventError.code == "delivery_failed"))
        assert errors == len(pending)
    from oa_liaison_plugin.delivery import deliver_due
    host.fail_deliveries = 0
    assert deliver_due(liaison) == {"delivered": len(r["committees"]), "failed": 0}
    assert {s for _, s in copies(app)} == {"delivered"}
    assert len(host.inbox()) == len(r["committees"])
    assert deliver_due(liaison) == {"delivered": 0, "failed": 0}


def test_backoff_defers_the_next_attempt(app, liaison, host):
    app.config["DELIVERY_BACKOFF_SECONDS"] = [3600]
    host.fail_deliveries = 1000
    host.issue(issuer="南部县教育局", file=docx())
    host.fail_deliveries = 0
    from oa_liaison_plugin.delivery import deliver_due
    assert deliver_due(liaison) == {"delivered": 0, "failed": 0}  # not due for an hour
    assert host.inbox() == []


class Broken:
    @hookimpl
    def extra_recipients(self, document, committees):
        raise RuntimeError("plugin bug")


def test_plugin_exception_holds_the_document_for_a_person(app, liaison, host):
    """A failing extra_recipients used to abort the event (status error, no document row): the document was lost."""
    liaison.pm.register(Broken())
    r = host.issue(issuer="南部县教育局", file=docx())
    assert r["status"] == "held" and "plugin bug" in r["hold_reason"] and "人工" in r["hold_reason"]
    with app.app_context():
        row = db.session.scalar(select(Document).where(Document.host_id == r["host_id"]))
        assert row.status == "held" and db.session.scalar(select(func.count(Copy.id))) == 0
        err = db.session.scalar(select(EventError).where(EventError.code == "plugin_error"))
        assert "plugin bug" in err.message and err.event == "extra_recipients" and err.subject == r["host_id"]


def test_host_metadata_wins_and_disagreements_are_recorded(app, host):
    r = host.issue(issuer="南部县教育局", file=docx(), title="关于教育工作的实施方案（主办系统标题）")
    with app.app_context():
        row = db.session.scalar(select(Document).where(Document.host_id == r["host_id"]))
        assert row.title == "关于教育工作的实施方案（主办系统标题）"
        assert row.meta["disagreements"]["title"]["file"].startswith("关于印发")
        assert row.doc_number == "南教发〔2017〕12号"  # from the file, the host gave none


def test_copy_is_a_frozen_snapshot(app, liaison, host):
    data = docx()
    attachment = docx(title="南部县学校安全工作检查名单", doc_number=None)
    r = liaison.document_issued({"id": "ext-1", "issuer": "南部县教育局", "file": data, "file_name": "方案.docx",
                                 "url": "https://oa.example/doc/1", "attachments": [{"name": "附件1.docx",
                                                                                     "data": attachment}]})
    assert r["status"] == "routed"
    with app.app_context():
        c = db.session.scalar(select(Copy))
        snap = c.snapshot
        assert snap["file_sha256"] == hashlib.sha256(data).hexdigest()
        assert snap["url"] == "https://oa.example/doc/1" and snap["host_id"] == "ext-1"
        assert snap["attachments"][0]["sha256"] == hashlib.sha256(attachment).hexdigest()
        assert snap["doc_number"] == "南教发〔2017〕12号"
    assert host.inbox()[0].file_sha256 == hashlib.sha256(data).hexdigest()


def test_a_file_fetched_from_the_host_is_frozen_with_the_copies(app, liaison, host):
    """An event without the file: the plugin asks the host (fetch_document_file) and keeps what it read."""
    from oa_liaison_plugin.reference_host import HostDocument
    data = docx()
    with app.app_context():
        row = HostDocument(issuer="南部县教育局", meta={}, file=data)
        db.session.add(row)
        db.session.commit()
        host_id = f"ref-{row.id}"
    r = liaison.document_issued({"id": host_id, "issuer": "南部县教育局"})
    assert r["status"] == "routed" and r["committees"][0] == "教科文卫体委员会"   # read from the fetched file
    sha = hashlib.sha256(data).hexdigest()
    with app.app_context():
        assert {c.snapshot["file_sha256"] for c in db.session.scalars(select(Copy))} == {sha}
        assert db.session.get(Blob, sha).data == data
    assert {i.file_sha256 for i in host.inbox()} == {sha}


@pytest.mark.parametrize("payload,code", [
    (b"not a zip at all", "unknown_format"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "damaged"),   # an OLE header and nothing else
])
def test_bad_files_are_held_with_a_clear_reason(app, host, payload, code):
    r = host.issue(issuer="南部县教育局", file=payload, title="关于义务教育的实施方案", flags={"important": True})
    assert r["status"] == "held" and "文件无法读取" in r["hold_reason"]
    with app.app_context():
        row = db.session.scalar(select(Document).where(Document.host_id == r["host_id"]))
        assert row.meta["read_error"]["code"] == code


def test_oversize_file_is_held_and_not_stored(app, host):
    app.config["MAX_UPLOAD_BYTES"] = 20_000
    from oa_liaison_plugin.documents.samples import make_long_body
    big = docx(body_paragraphs=make_long_body(30))
    assert len(big) > 20_000
    r = host.issue(issuer="南部县教育局", file=big, flags={"important": True})
    assert r["status"] == "held" and "过大" in r["hold_reason"]
    with app.app_context():
        from oa_liaison_plugin.models import Blob
        row = db.session.scalar(select(Document).where(Document.host_id == r["host_id"]))
        assert row.file_sha256 is None and row.meta["file_size"] == len(big)
        assert row.meta["file_sha256"] == hashlib.sha256(big).hexdigest()
        assert db.session.scalar(select(func.count()).select_from(Blob)) == 0


def test_bad_event_is_recorded_and_answered(app, liaison):
    r = liaison.document_issued({"id": "x-1", "issuer": ["not", "text"]})
    assert r["status"] == "error" and "issuer" in r["error"]
    r = liaison.document_issued({"issuer": "南部县教育局"})
    assert r["status"] == "error" and "id" in r["error"]
    with app.app_context():
        assert db.session.scalar(select(func.count(EventError.id)).where(EventError.code == "bad_event")) == 2


def test_committee_report_goes_to_counterpart_units(app, host):
    r = host.issue(issuer="县政协教科文卫体委员会", title="关于全县农村学校办学条件的调研报告")
    assert r["status"] == "routed" and "县教育局" in r["units"]
    assert not r["committees"]
    assert {name for name, _ in copies(app, r["host_id"])} == set(r["units"])


def test_rule_change_takes_effect_without_restart(app, liaison, host):
    first = host.issue(issuer="南部县教育局", title="关于开展读书月活动的通知")
    assert first["status"] == "not_qualified"
    with liaison.work(Actor("test")) as uow:
        rules.save(uow, liaison.jurisdiction(), {"id": "custom-reading", "name": "全民阅读", "action": "important",
                                                 "match": "any", "terms": ["读书月"], "fields": ["title"]})
    second = host.issue(issuer="南部县教育局", title="关于开展读书月活动的通知")
    assert second["status"] == "routed"


def test_check_before_issue_records_nothing(app, liaison):
    msgs = liaison.check_before_issue({"id": "pre-1", "issuer": "南部县教育局",
                                       "title": "关于义务教育均衡发展的实施方案"})
    assert msgs[0].startswith("印发后将抄送：教科文卫体委员会")
    assert liaison.check_before_issue({"id": "pre-2", "issuer": "南部县教育局", "secrecy": "绝密"})[0].startswith("密级")
    with app.app_context():
        assert db.session.scalar(select(func.count(Document.id))) == 0


def test_issuing_offers_only_its_own_copies(app, liaison, host):
    host.fail_deliveries = 1000
    first = host.issue(issuer="南部县教育局", file=docx())
    host.fail_deliveries = 0
    second = host.issue(issuer="南部县财政局", title="关于县级预算调整方案的报告", main_recipients=["县人大常委会"])
    assert {s for _, s in copies(app, second["host_id"])} == {"delivered"}
    assert {s for _, s in copies(app, first["host_id"])} == {"pending"}  # the backlog is the worker's
    from oa_liaison_plugin.delivery import deliver_due
    deliver_due(liaison)
    assert {s for _, s in copies(app, first["host_id"])} == {"delivered"}
