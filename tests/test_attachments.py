"""Attachments are read like the main file on every path; documents without a file say so (or are held)."""
from __future__ import annotations

import base64
import datetime as dt
import io
import json

import pytest
from docx import Document as Docx
from sqlalchemy import select

from helpers import copies
from http_host import CallbackHost, add_host, b64, cloud_event, doc_status, post_event, request, signed, wait_for
from oa_liaison_plugin.documents.samples import make_issued_docx
from oa_liaison_plugin.http import hosts
from oa_liaison_plugin.models import Copy, Document, db
from test_cli import run

NOTICE = dict(issuer="南部县教育局", doc_number="南教发〔2023〕12号", title="关于开展校园安全专项检查的通知",
              main_recipients=["各乡镇中心学校"], body_paragraphs=["现将有关事项通知如下。"], date=dt.date(2023, 3, 5))


def notice(**kw) -> bytes:
    return make_issued_docx(**{**NOTICE, **kw})


def listing(header: str | None = None, body: str = "南部县学校安全检查人员名单") -> bytes:
    """An attached 名单 written by python-docx, with a 密级 in its page header only."""
    d = Docx()
    if header:
        d.sections[0].header.paragraphs[0].text = header
    d.add_paragraph(body)
    d.add_paragraph("张三　县教育局　安全股")
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def issue(liaison, host_id, **kw):
    return liaison.document_issued({"id": host_id, "file": notice(), "file_name": "通知.docx",
                                    "flags": {"important": True}, **kw})


def test_a_mark_in_an_attachments_header_holds_the_whole_document(app, liaison):
    r = issue(liaison, "a-1", attachments=[{"name": "附件1参会人员名单.docx", "data": listing("秘密★1年")}])
    assert r["status"] == "held" and not r["committees"]
    assert "附件1《参会人员名单》页眉标有“秘密★1年”" in r["hold_reason"]
    assert copies(app, "a-1") == 0
    with app.app_context():
        row = db.session.scalar(select(Document).where(Document.host_id == "a-1"))
        assert row.secrecy == "秘密"   # the whole document takes the attachment's 密级
        [entry] = row.meta["attachments"]
        assert (entry["format"], entry["label"], entry["error"]) == ("docx", "附件1《参会人员名单》", None)
        # Decided again (a rule changed, a name was mapped): still held, from what was recorded.
        from oa_liaison_plugin.decision.route import redecide
        assert redecide(liaison, row, "backfill").status == "held"
        db.session.commit()
    assert copies(app, "a-1") == 0


def test_the_host_saying_none_does_not_release_a_marked_attachment(app, liaison):
    r = issue(liaison, "a-2", secrecy="无", attachments=[
        {"name": "实施方案.docx", "data": listing()}, {"name": "名单.docx", "data": listing("机密★2027年12月31日")}])
    assert r["status"] == "held"
    assert "主办系统标注密级“无”" in r["hold_reason"] and "附件2《名单》" in r["hold_reason"]
    assert "从严按机密处理" in r["hold_reason"]


def test_a_level_in_an_attachments_name_holds(app, liaison):
    r = issue(liaison, "a-3", attachments=[{"name": "参会人员名单（秘密）.docx", "data": listing()}])
    assert r["status"] == "held" and "附件1《参会人员名单（秘密）》文件名标有" in r["hold_reason"]
    assert copies(app, "a-3") == 0


def test_an_unreadable_attachment_holds_and_says_which(app, liaison):
    r = issue(liaison, "a-4", attachments=[{"name": "名单.docx", "data": listing()},
                                          {"name": "经费表.xls", "data": b"\x00\x01 not a document"}])
    assert r["status"] == "held" and "附件2《经费表》无法读取" in r["hold_reason"]
    assert "可能标有密级" in r["hold_reason"]
    assert copies(app, "a-4") == 0


def test_clean_attachments_are_routed_and_copied_with_their_real_names(app, liaison, host):
    r = issue(liaison, "a-5", attachments=[{"name": "名单.docx", "data": listing()}])
    assert r["status"] == "routed" and r["committees"] == ["教科文卫体委员会"]
    with app.app_context():
        snap = db.session.scalar(select(Copy)).snapshot
    assert snap["file_name"] == "通知.docx" and snap["format"] == "docx"
    assert snap["content_type"].endswith("wordprocessingml.document")
    [att] = snap["attachments"]
    assert (att["name"], att["format"]) == ("名单.docx", "docx")
    assert host.inbox()[0].file_sha256 == snap["file_sha256"]


def test_the_pre_issue_check_reads_attachments(app, liaison):
    messages = liaison.check_before_issue({"id": "a-6", "file": notice(), "flags": {"important": True},
                                           "attachments": [{"name": "名单.docx", "data": listing("秘密")}]})
    assert any("附件1《名单》页眉标有“秘密”" in m for m in messages)


# ---------------------------------------------------------------------------------- documents without a file

def test_a_document_without_a_file_says_its_secrecy_is_the_hosts(app, liaison):
    r = liaison.document_issued({"id": "m-1", "issuer": "南部县教育局", "title": "关于实施方案的通知",
                                 "flags": {"important": True}})
    assert r["status"] == "routed"
    assert any(x["code"] == "no_file" and "未附正文文件，密级以主办系统标注“无”为准" in x["text"] for x in r["reasons"])


def test_require_file_holds_a_document_without_a_file(tmp_path, sqlite_url):
    from conftest import make_app
    app = make_app(sqlite_url, tmp_path / "instance", REQUIRE_FILE=True)
    liaison = app.extensions["oa_liaison"]
    r = liaison.document_issued({"id": "m-2", "issuer": "南部县教育局", "title": "关于实施方案的通知",
                                 "secrecy": "无", "flags": {"important": True}})
    assert r["status"] == "held" and "未附正文文件，无法核对文件中的密级标志" in r["hold_reason"]
    # With the file the same document is routed.
    r = liaison.document_issued({"id": "m-3", "file": notice(), "flags": {"important": True}})
    assert r["status"] == "routed"
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


# ------------------------------------------------------------------------------------------ over HTTP

def test_over_http_a_classified_attachment_is_held_and_never_called_back(app, served):
    secret = add_host(app)
    cb = CallbackHost(secret)
    with app.app_context():
        hosts.get("oa1").callback_url = cb.url
        db.session.commit()
    data = {"id": "h-1", "file_base64": b64(notice()), "flags": {"important": True},
            "attachments": [{"name": "名单.docx", "data_base64": b64(listing("秘密★1年"))}]}
    body = cloud_event("document.issued", data, event_id="pv-h1")
    code, answer = request(served.port, "/api/v1/preview", body, signed(secret, "pv-h1", body))
    assert code == 200 and answer["decision"]["status"] == "held"
    assert "附件1《名单》" in answer["decision"]["hold_reason"]
    post_event(served.port, secret, "document.issued", data, event_id="ev-h1")
    wait_for(lambda: doc_status(app, "h-1") == "held")
    assert copies(app, "h-1") == 0 and cb.received == []
    cb.close()


def test_a_hosts_own_require_file_wins_over_the_setting(app, served):
    strict, lax = add_host(app, "strict", require_file=True), add_host(app, "lax")
    meta = {"issuer": "南部县教育局", "title": "关于实施方案的通知", "secrecy": "无", "flags": {"important": True}}
    post_event(served.port, strict, "document.issued", {"id": "h-2", **meta}, event_id="ev-h2")
    post_event(served.port, lax, "document.issued", {"id": "h-3", **meta}, event_id="ev-h3")
    wait_for(lambda: doc_status(app, "h-2") == "held" and doc_status(app, "h-3") == "routed")
    with app.app_context():
        row = db.session.scalar(select(Document).where(Document.host_id == "h-2"))
        assert "未附正文文件" in row.hold_reason
        hosts.set_require_file("strict", None)
        db.session.commit()
    post_event(served.port, strict, "document.issued", {"id": "h-4", **meta}, event_id="ev-h4")
    wait_for(lambda: doc_status(app, "h-4") == "routed")


# ----------------------------------------------------------------------------- the CLI and the BPMN host

def test_route_reads_attachments_and_names_the_marked_one(tmp_path):
    main, att = tmp_path / "通知.docx", tmp_path / "名单.docx"
    main.write_bytes(notice())
    att.write_bytes(listing("机密★5年"))
    p = run(tmp_path / "i", "route", "--file", str(main), "--attachment", str(att), "--json")
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["held"] and "附件1《名单》页眉标有“机密★5年”" in out["hold_reason"]
    assert [a["format"] for a in out["attachments"]] == ["docx"] and out["format"] == "docx"
    bad = tmp_path / "表.xls"
    bad.write_bytes(b"\x00 junk")
    p = run(tmp_path / "i", "route", "--file", str(main), "--attachment", str(bad), "--json")
    assert p.returncode == 4 and "无法读取 表.xls" in p.stderr and "Traceback" not in p.stderr


def test_the_bpmn_flow_carries_attachments_to_the_signer_and_holds(app, liaison):
    pytest.importorskip("SpiffWorkflow")
    from oa_liaison_plugin.hosts.bpmn import BpmnHost
    host = BpmnHost(liaison)
    key = host.start("fawen", {"issuer": "南部县教育局", "title": NOTICE["title"], "doc_code": "南教发",
                               "issued_on": "2023-03-05", "main_recipients": ["各乡镇中心学校"], "secrecy": "无"},
                     file=notice(), attachments=[("名单.docx", listing("秘密★1年6个月"))])
    for step in ("draft", "review", "countersign"):
        host.complete(key, step, {})
    advice = host.tasks("fawen")[0]["data"]["liaison_advice"]
    assert any("附件1《名单》页眉标有“秘密★1年6个月”" in a for a in advice)
    host.complete(key, "sign", {"approved": True})
    done = host.complete(key, "seal", {})
    assert done["liaison"]["status"] == "held" and done["copied_to"] == [] and host.inbox() == []


# ------------------------------------------------------------- a copy keeps its real name, format and type

def test_a_pdf_and_an_unnamed_workbook_are_copied_and_downloaded_as_what_they_are(app, liaison, served):
    import importlib.util
    import sys
    from pathlib import Path
    spec = importlib.util.spec_from_file_location(
        "build_corpus_ofd_pdf", Path(__file__).resolve().parents[1] / "tools" / "build_corpus_ofd_pdf.py")
    build = sys.modules.setdefault(spec.name, importlib.util.module_from_spec(spec))
    spec.loader.exec_module(build)
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    wb.active.append(["序号", "学校"])
    out = io.BytesIO()
    wb.save(out)
    pdf = build.pdf_of(build.NOTICE)
    secret = add_host(app)
    cb = CallbackHost(secret)
    with app.app_context():
        hosts.get("oa1").callback_url = cb.url
        db.session.commit()
    post_event(served.port, secret, "document.issued",
               {"id": "p-1", "file_base64": b64(pdf), "file_name": "正文.docx", "flags": {"important": True},
                "attachments": [{"name": "统计表", "data_base64": b64(out.getvalue())}]}, event_id="ev-p1")
    wait_for(lambda: doc_status(app, "p-1") == "routed" and cb.received)
    data = cb.received[0]["event"]["data"]
    assert (data["file_name"], data["format"], data["content_type"]) == ("正文.docx.pdf", "pdf", "application/pdf")
    [att] = data["attachments"]
    assert (att["name"], att["file_name"], att["format"]) == ("统计表", "统计表.xlsx", "xlsx")
    assert base64.b64decode(data["file_base64"]) == pdf
    cb.close()

    from test_web_support import session_client
    from oa_liaison_plugin.models import Committee, Copy
    from oa_liaison_plugin.web.users.accounts import create_user
    with app.app_context():
        name = db.session.scalar(select(Committee.name).join(Copy, Copy.committee_id == Committee.id))
        create_user(liaison, username="clerk1", password="x" * 12, role="committee", committee=name)
        db.session.commit()
        copy_id = db.session.scalar(select(Copy.id))
    clerk = session_client(app, "clerk1", None)
    resp = clerk.get(f"/inbox/{copy_id}/file")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf" and resp.data == pdf
    assert ".pdf" in resp.headers["Content-Disposition"] and ".docx" in resp.headers["Content-Disposition"]
    resp = clerk.get(f"/inbox/{copy_id}/attachments/1")
    assert resp.status_code == 200 and resp.mimetype.endswith("spreadsheetml.sheet") and resp.data == out.getvalue()
    assert clerk.get(f"/inbox/{copy_id}/attachments/2").status_code == 404
    page = clerk.get(f"/inbox/{copy_id}").get_data(as_text=True)
    assert "PDF 版式文件" in page and "统计表" in page
