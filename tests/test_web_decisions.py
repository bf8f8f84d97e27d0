"""Consultation opinions, submissions marked answered, and held documents decided by a person."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from test_web_support import build_world, csrf_of, session_client


@pytest.fixture
def world(app):
    app.config["WTF_CSRF_ENABLED"] = False  # CSRF is checked once below
    return build_world(app)


@pytest.fixture
def lite_world(lite_app):
    lite_app.config["WTF_CSRF_ENABLED"] = False
    return build_world(lite_app)


def body(resp) -> str:
    return resp.get_data(as_text=True)


def _audit(app, action):
    from oa_liaison_plugin.models import db
    from oa_liaison_plugin.web.models import AuditEntry
    with app.app_context():
        return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                                  .order_by(AuditEntry.id)).all()


# ------------------------------------------------------------------------ consultation opinions


def test_the_committee_records_its_opinion_and_the_issuing_unit_sees_it(world, app):
    from oa_liaison_plugin.models import Consultation, db
    cid = world["own_consultation"]
    url = f"/consultations/{cid}/opinion"
    committee = session_client(app, "jkwwt", world)
    page = body(committee.get("/consultations"))
    assert "填写意见" in page and url in page and "b-overdue" in page
    assert "请填写委员会的意见" in body(committee.post(url, data={"opinion": "  "}))
    assert committee.post(url, data={"opinion": "意" * 5001}).status_code == 400
    assert session_client(app, "jyj", world).post(url, data={"opinion": "单位替委员会写"}).status_code == 403
    assert session_client(app, "audit1", world).post(url, data={"opinion": "审计员"}).status_code == 403
    assert session_client(app, "cjhz", world).post(url, data={"opinion": "别的委员会"}).status_code == 404
    with app.app_context():
        assert db.session.get(Consultation, cid).status == "open"

    opinion = "一、布局调整应兼顾偏远村小学生就近入学。\n二、建议先在两个乡镇试点。"
    resp = committee.post(url, data={"opinion": opinion, "position": "修改意见"})
    assert resp.status_code == 302
    with app.app_context():
        c = db.session.get(Consultation, cid)
        assert (c.status, c.opinion) == ("answered", opinion) and c.answered_at is not None
    [entry] = _audit(app, "consultation.answer")
    assert entry.username == "jkwwt" and entry.after["opinion"] == opinion
    assert entry.before["status"] == "open"
    [note] = [m for m in world["host"].messages() if m.subject.startswith("征求意见反馈")]
    assert note.recipient == {"role": "unit", "unit": "县教育局", "jurisdiction": "nanbu"} and "建议先在两个乡镇试点" in note.body

    # Once answered: no overdue badge, no second opinion, the unit and the auditor read it.
    page = body(committee.get("/consultations"))
    assert "已反馈" in page and "b-overdue" not in page and url not in page
    assert committee.post(url, data={"opinion": "改主意了", "position": "同意"}).status_code == 302
    with app.app_context():
        assert db.session.get(Consultation, cid).opinion == opinion
    unit = session_client(app, "jyj", world)
    assert "建议先在两个乡镇试点" in body(unit.get("/consultations"))
    doc_id = db_document_of(app, cid)
    assert "建议先在两个乡镇试点" in body(unit.get(f"/documents/{doc_id}"))
    auditor = body(session_client(app, "audit1", world).get("/consultations"))
    assert "建议先在两个乡镇试点" in auditor and "填写意见" not in auditor


def db_document_of(app, consultation_id):
    from oa_liaison_plugin.models import Consultation, db
    with app.app_context():
        return db.session.get(Consultation, consultation_id).document_id


def test_a_failing_notify_does_not_undo_the_opinion(lite_world, lite_app):
    from oa_liaison_plugin import hookimpl
    from oa_liaison_plugin.models import Consultation, EventError, db

    class Broken:
        @hookimpl
        def notify(self, liaison, recipient, subject, body):
            raise ConnectionError("消息服务不可用")

    lite_app.extensions["oa_liaison"].pm.register(Broken())
    resp = session_client(lite_app, "admin1", lite_world).post(
        f"/consultations/{lite_world['own_consultation']}/opinion", data={"opinion": "同意。", "position": "同意"})
    assert resp.status_code == 302
    with lite_app.app_context():
        assert db.session.get(Consultation, lite_world["own_consultation"]).status == "answered"
        assert db.session.scalar(select(EventError).where(EventError.event == "notify")) is not None


def test_opinion_form_needs_a_csrf_token(lite_app):
    lite_app.config["WTF_CSRF_ENABLED"] = True
    world = build_world(lite_app)
    client = session_client(lite_app, "jkwwt", world)
    url = f"/consultations/{world['own_consultation']}/opinion"
    assert client.post(url, data={"opinion": "同意。"}).status_code == 400
    token = csrf_of(body(client.get(url)))
    assert client.post(url, data={"opinion": "同意。", "position": "同意", "csrf_token": token}).status_code == 302


# ---------------------------------------------------------------------------- submissions replied


def test_the_unit_marks_a_submission_replied_with_its_letter(world, app):
    from oa_liaison_plugin.models import Submission, db
    sid = world["own_submission"]
    url = f"/submissions/{sid}/replied"
    unit = session_client(app, "jyj", world)
    page = body(unit.get("/submissions"))
    assert "b-overdue" in page and url in page
    overdue = page.count("b-overdue")   # (a task the unit co-handles is overdue too)
    assert "发文字号应为" in body(unit.post(url, data={"doc_number": "第5号", "date": "2017-05-01"}))
    early = unit.post(url, data={"doc_number": "南教函〔2017〕5号", "date": "2017-03-01"})
    assert early.status_code == 400 and "复函日期应在收到日期" in body(early)
    assert unit.post(url, data={"doc_number": "南教函〔2017〕5号", "date": ""}).status_code == 400
    assert session_client(app, "jkwwt", world).post(
        url, data={"doc_number": "南教函〔2017〕5号", "date": "2017-05-01"}).status_code == 403
    assert session_client(app, "zrzy", world).post(
        url, data={"doc_number": "南自然资函〔2017〕5号", "date": "2017-05-01"}).status_code == 404
    with app.app_context():
        assert db.session.get(Submission, sid).status == "open"

    assert unit.post(url, data={"doc_number": "南教函[2017]05号", "date": "2017-05-01"}).status_code == 302
    with app.app_context():
        assert db.session.get(Submission, sid).status == "replied"
    [entry] = _audit(app, "submission.replied")
    assert entry.after["reply_doc_number"] == "南教函〔2017〕5号" and entry.after["reply_date"] == "2017-05-01"
    assert entry.target == f"submission-{sid}" and entry.username == "jyj"

    page = body(unit.get("/submissions"))
    assert page.count("b-overdue") == overdue - 1 and "复函 南教函〔2017〕5号" in page and url not in page
    assert unit.post(url, data={"doc_number": "南教函〔2017〕6号", "date": "2017-05-02"}).status_code == 302
    assert len(_audit(app, "submission.replied")) == 1
    committee = body(session_client(app, "jkwwt", world).get("/submissions"))
    assert "已答复" in committee and "南教函〔2017〕5号" in committee


# ------------------------------------------------------------------- held documents, decided by a person


def _copies(app, document_id):
    from oa_liaison_plugin.models import Copy, db
    with app.app_context():
        return db.session.execute(select(Copy.committee_id, Copy.status)
                                  .where(Copy.document_id == document_id).order_by(Copy.id)).all()


def test_a_classified_document_is_never_sent_not_even_by_an_admin(world, app):
    """保密法: a 机密 document offers only 不分送 and the record of an offline hand-over through 机要 channels."""
    from oa_liaison_plugin.models import Committee, Decision, Document, db
    from oa_liaison_plugin.decision.route import redecide
    doc_id = world["held_document"]
    liaison = app.extensions["oa_liaison"]
    with app.app_context():
        row = db.session.get(Document, doc_id)
        assert (row.status, row.secrecy) == ("held", "机密")
        # The automatic path, run again, still holds it and copies nothing.
        assert redecide(liaison, row, "backfill").status == "held"
        db.session.commit()
        committees = {c.name: c.id for c in db.session.scalars(select(Committee))}
    default = "社会法制和民族宗教委员会" if "社会法制和民族宗教委员会" in committees else next(iter(committees))
    copy_url, handover_url = f"/documents/{doc_id}/manual-copy", f"/documents/{doc_id}/handover"
    handover = {"committees": [default], "handed_on": "2017-03-20", "handed_by": "县委机要局 王某",
                "reason": "经县保密办审查同意，纸质件经机要交通送达"}
    for user in ("jyj", "jkwwt", "audit1", "zrzy"):
        assert session_client(app, user, world).post(handover_url, data=handover).status_code == 403
        assert session_client(app, user, world).post(f"/documents/{doc_id}/no-copy",
                                                     data={"reason": "x"}).status_code == 403
    auditor = body(session_client(app, "audit1", world).get(f"/documents/{doc_id}"))
    assert "暂存待定" in auditor and "登记" not in auditor and "确认不分送" not in auditor

    admin = session_client(app, "admin1", world)
    page = body(admin.get(f"/documents/{doc_id}"))
    assert "登记线下机要传递" in page and "确认不分送" in page and "不得通过本系统传送" in page
    assert "人工分送" not in page and copy_url not in page and "checked" not in page   # nothing pre-ticked
    # A hand-made request to send it electronically is refused, also with the confirmation already given.
    for data in ({"committees": [default], "reason": "x"}, {"committees": [default], "reason": "x", "confirmed": "1"}):
        resp = admin.post(copy_url, data=data, follow_redirects=True)
        assert "不得通过本系统传送" in body(resp)
    assert not _copies(app, doc_id) and not world["host"].inbox(default)
    # The hand-over's fields are checked, each with its own message.
    assert "请填写经办人" in body(admin.post(handover_url, data={**handover, "handed_by": " "}))
    assert "请填写传递日期" in body(admin.post(handover_url, data={**handover, "handed_on": ""}))
    assert "不能晚于今天" in body(admin.post(handover_url, data={**handover, "handed_on": "2999-01-01"}))
    assert admin.post(handover_url, data={**handover, "committees": ["不存在的委员会"]}).status_code == 400

    assert admin.post(handover_url, data=handover).status_code == 302
    assert not _copies(app, doc_id) and not world["host"].inbox(default)   # no copy made, nothing offered
    with app.app_context():
        assert db.session.get(Document, doc_id).status == "offline"
        last = db.session.scalar(select(Decision).where(Decision.document_id == doc_id)
                                 .order_by(Decision.id.desc()))
        assert last.trigger == "handover" and last.committees == [] and not last.qualified
        text = last.reasons[0]["text"]
        assert "admin1" in text and "王某" in text and default in text and "2017年3月20日" in text
        assert "本系统未传送文件" in text
    [entry] = _audit(app, "document.handover")
    assert entry.after["committees"] == [default] and entry.after["handed_by"] == "县委机要局 王某"
    assert entry.before["status"] == "held"
    page = body(admin.get(f"/documents/{doc_id}"))
    assert "已线下机要传递" in page and "登记线下机要传递" in page   # the status, and the record's trigger
    # Recorded once; the automatic path adds nothing afterwards.
    assert admin.post(handover_url, data=handover).status_code == 302
    with app.app_context():
        redecide(liaison, db.session.get(Document, doc_id), "backfill")
        db.session.commit()
    assert not _copies(app, doc_id)


def test_a_manual_copy_is_confirmed_on_a_page_of_its_own(lite_world, lite_app):
    """A held document without a 密级 (here a restricting 附注) goes out only after a server-side confirmation."""
    from oa_liaison_plugin.models import Committee, Decision, Document, db
    app, world = lite_app, lite_world
    world["host"].issue(issuer="南部县教育局", title="关于校园周边环境整治的通知", note="此件不公开",
                        issued_on="2017-05-20", flags={"important": True})
    with app.app_context():
        doc_id = db.session.scalar(select(Document.id).where(Document.title == "关于校园周边环境整治的通知"))
        assert db.session.get(Document, doc_id).status == "held"
        committees = {c.name: c.id for c in db.session.scalars(select(Committee))}
    name = next(iter(committees))
    url = f"/documents/{doc_id}/manual-copy"
    admin = session_client(app, "admin1", world)
    page = body(admin.get(f"/documents/{doc_id}"))
    assert "人工分送" in page and "登记线下机要传递" not in page
    assert not re.findall(r"<input[^>]*checked[^>]*>", page)   # nothing pre-ticked
    assert "onclick" not in page and "confirm(" not in page   # no script the CSP would block
    assert "请写明理由" in body(admin.post(url, data={"committees": [name], "reason": ""}))
    assert admin.post(url, data={"committees": ["不存在的委员会"], "reason": "x"}).status_code == 400
    assert admin.post(url, data={"reason": "x"}).status_code == 400

    form = {"committees": [name, name], "reason": "经核对，附注限制的是对外公开，委员会内部可传阅"}
    confirm = admin.post(url, data=form)
    assert confirm.status_code == 200 and "确认分送" in body(confirm) and "不能撤回" in body(confirm)
    assert not _copies(app, doc_id)   # the first step only asks
    fields = dict(re.findall(r'<input type="hidden" name="(reason|confirmed)" value="([^"]*)"', body(confirm)))
    assert fields["confirmed"] == "1"
    assert admin.post(url, data={**form, "confirmed": "1"}).status_code == 302
    assert [c.committee_id for c in _copies(app, doc_id)] == [committees[name]]   # exactly once
    assert [i.title for i in world["host"].inbox(name)] == ["关于校园周边环境整治的通知"]
    with app.app_context():
        assert db.session.get(Document, doc_id).status == "routed"
        last = db.session.scalar(select(Decision).where(Decision.document_id == doc_id)
                                 .order_by(Decision.id.desc()))
        assert last.trigger == "manual" and last.committees == [name]
    [entry] = _audit(app, "document.manual_copy")
    assert entry.after["committees"] == [name] and entry.before["status"] == "held"
    # Decided once: a second confirmed post changes nothing.
    assert admin.post(url, data={**form, "confirmed": "1"}).status_code == 302
    assert len(_copies(app, doc_id)) == 1


def test_an_admin_confirms_a_held_document_is_not_copied(lite_world, lite_app):
    from oa_liaison_plugin.models import Decision, Document, db
    app, world = lite_app, lite_world
    world["host"].issue(issuer="南部县教育局", title="关于2017年中考试题保管的通知", secrecy="秘密", issued_on="2017-05-20")
    with app.app_context():
        doc_id = db.session.scalar(select(Document.id).where(Document.title == "关于2017年中考试题保管的通知"))
        assert db.session.get(Document, doc_id).status == "held"
    url = f"/documents/{doc_id}/no-copy"
    assert session_client(app, "jyj", world).post(url, data={"reason": "不送"}).status_code == 403
    admin = session_client(app, "admin1", world)
    assert "请写明理由" in body(admin.post(url, data={"reason": " "}))
    assert admin.post(url, data={"reason": "涉及中考试题，不宜抄送"}).status_code == 302
    with app.app_context():
        assert db.session.get(Document, doc_id).status == "not_qualified"
        last = db.session.scalar(select(Decision).where(Decision.document_id == doc_id)
                                 .order_by(Decision.id.desc()))
        assert last.trigger == "manual" and not last.qualified and last.committees == []
        assert "admin1" in last.reasons[0]["text"] and "中考试题" in last.reasons[0]["text"]
        assert db.session.scalar(select(func.count()).select_from(Decision).where(
            Decision.document_id == doc_id)) == 2
    assert not _copies(app, doc_id)
    [entry] = _audit(app, "document.no_copy")
    assert entry.after == {"status": "not_qualified", "reason": "涉及中考试题，不宜抄送"}
    page = body(admin.get(f"/documents/{doc_id}"))
    assert "不抄送" in page and "确认分送" not in page
    # The unit sees the decision but no buttons.
    unit = body(session_client(app, "jyj", world).get(f"/documents/{doc_id}"))
    assert "涉及中考试题" in unit and "确认分送" not in unit
