"""The BPMN host: whole 发文, 收文 and 会议 processes driven through the real SpiffWorkflow engine."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

pytest.importorskip("SpiffWorkflow")

from oa_liaison_plugin import hookimpl  # noqa: E402
from oa_liaison_plugin.documents.samples import make_issued_docx  # noqa: E402
from oa_liaison_plugin.hosts.bpmn import BpmnHost  # noqa: E402
from oa_liaison_plugin.hosts.bpmn.models import ProcessInstance  # noqa: E402
from oa_liaison_plugin.models import Copy, Document, Submission, db  # noqa: E402

TITLE = "关于印发《南部县义务教育均衡发展实施方案》的通知"
DRAFT = {"issuer": "南部县教育局", "title": TITLE, "doc_code": "南教发", "issued_on": "2017-03-01",
         "main_recipients": ["各乡镇人民政府"]}


def docx(**kw):
    base = dict(issuer="南部县教育局", doc_number="南教发〔2017〕1号", title=TITLE, main_recipients=["各乡镇人民政府"],
                body_paragraphs=["为推进义务教育均衡发展……"])
    base.update(kw)
    return make_issued_docx(**base)


def to_signing(host, data=None, file=None) -> str:
    key = host.start("fawen", {**DRAFT, **(data or {})}, file=file)
    for step in ("draft", "review", "countersign"):
        host.complete(key, step, {})
    return key


def test_a_signed_and_issued_document_reaches_the_committee_inbox_once(app, liaison):
    host = BpmnHost(liaison)
    key = to_signing(host, file=docx())
    waiting = [t for t in host.tasks("fawen") if t["key"] == key]
    assert [t["step"] for t in waiting] == ["sign"]
    assert waiting[0]["data"]["liaison_advice"] == ["印发后将抄送：教科文卫体委员会"]   # the signer sees it
    host.complete(key, "sign", {"approved": True})
    assert host.data(key)["doc_number"] == "南教发〔2017〕1号"                       # 编号
    done = host.complete(key, "seal", {})
    assert done["liaison"]["status"] == "routed" and done["copied_to"] == ["教科文卫体委员会"]
    inbox = host.inbox()
    assert [(i["data"]["recipient"], i["data"]["document_id"]) for i in inbox] == [("教科文卫体委员会", f"bpmn-{key}")]
    host.complete(inbox[0]["key"], "read", {"read_by": "委员会联络员"})
    assert host.inbox() == [] and host.tasks("fawen") == []


def test_sent_back_at_signing_nothing_is_issued(app, liaison):
    host = BpmnHost(liaison)
    key = to_signing(host, file=docx())
    host.complete(key, "sign", {"approved": False, "opinion": "请修改"})
    assert [t["step"] for t in host.tasks("fawen")] == ["draft"]
    with app.app_context():
        assert db.session.scalar(select(func.count(Document.id))) == 0


def test_a_classified_document_is_stopped_at_signing_and_never_copied(app, liaison):
    host = BpmnHost(liaison)
    key = to_signing(host, {"secrecy": "无"}, file=docx(secrecy="秘密", secrecy_period="6个月"))
    advice = host.tasks("fawen")[0]["data"]["liaison_advice"]
    assert len(advice) == 1 and "秘密" in advice[0] and "不自动抄送" in advice[0]
    host.complete(key, "sign", {"approved": True})
    done = host.complete(key, "seal", {})
    assert done["liaison"]["status"] == "held" and done["copied_to"] == []
    assert host.inbox() == []
    with app.app_context():
        assert db.session.scalar(select(func.count(Copy.id))) == 0


def test_a_process_resumed_after_a_restart_issues_exactly_once(app, liaison):
    from oa_liaison_plugin.app import create_app
    host = BpmnHost(liaison)
    key = to_signing(host, file=docx())
    host.complete(key, "sign", {"approved": True})
    with app.app_context():
        saved = db.session.scalar(select(ProcessInstance.state).where(ProcessInstance.key == key))
    # A new process (restart): a new app, a new engine host, the same database.
    app2 = create_app(dict(app.config), instance_path=app.instance_path)
    liaison2 = app2.extensions["oa_liaison"]
    host2 = BpmnHost(liaison2)
    host2.complete(key, "seal", {})
    # A crash right after 印发 was told, before the engine's state was saved: the step runs again.
    with app2.app_context():
        db.session.execute(ProcessInstance.__table__.update().where(ProcessInstance.key == key).values(
            state=saved, completed=False))
        db.session.commit()
    again = host2.complete(key, "seal", {})   # the engine state is read from the database each time
    assert again["liaison"]["status"] == "routed"
    with app2.app_context():
        assert db.session.scalar(select(func.count(Document.id))) == 1
        assert db.session.scalar(select(func.count(Copy.id))) == 1
    assert len(host2.inbox()) == 1
    with app2.app_context():
        db.session.remove()
        db.engine.dispose()


def test_a_proposal_registered_gets_its_deadline_and_its_reply_is_recorded(app, liaison):
    host = BpmnHost(liaison)
    key = host.start("shouwen", {"submission": {"committee": "县政协教科文卫体委员会", "unit": "县教育局",
                                                "kind": "提案", "title": "关于加强农村学校建设的建议",
                                                "received": "2017-03-01"}})
    first = host.tasks("shouwen")[0]
    assert first["step"] == "propose" and first["data"]["liaison"]["due"] == "2017-06-01"
    for step in ("propose", "approve", "handle"):
        host.complete(key, step, {})
    done = host.complete(key, "reply", {"reply": {"doc_number": "南教函〔2017〕8号", "date": "2017-05-20"}})
    assert done["reply_recorded"] is True
    with app.app_context():
        assert db.session.scalar(select(Submission.status).where(Submission.host_id == f"bpmn-{key}")) == "replied"
        from oa_liaison_plugin.models import Reply
        reply = db.session.scalar(select(Reply))   # the letter is the answer of record: the committee may rate it
        assert (reply.doc_number, reply.sent_on.isoformat(), reply.round) == ("南教函〔2017〕8号", "2017-05-20", 1)
    assert any("关于加强农村学校建设的建议" in m.body for m in host.messages())   # notify reached the OA


def test_a_county_wide_meeting_names_the_committee_to_invite(app, liaison):
    host = BpmnHost(liaison)
    key = host.start("huiyi", {"meeting": {"unit": "县财政局", "title": "全县财政工作会议", "held_on": "2017-04-01"}})
    host.complete(key, "plan", {})
    assert host.tasks("huiyi")[0]["data"]["liaison"]["invite"] == ["城市经济委员会"]


class Broken:
    @hookimpl
    def qualification_signals(self, document, facts):
        raise RuntimeError("plugin bug")

    @hookimpl
    def notify(self, recipient, subject, body):
        raise RuntimeError("notify bug")


def test_a_failing_plugin_never_blocks_the_workflow(app, liaison):
    host = BpmnHost(liaison)
    liaison.pm.register(Broken())
    key = to_signing(host, file=docx())
    host.complete(key, "sign", {"approved": True})
    done = host.complete(key, "seal", {})
    assert done["liaison"]["status"] == "held" and "plugin bug" in done["liaison"]["hold_reason"]
    assert host.tasks("fawen") == []   # the process reached its end
    sub = host.start("shouwen", {"submission": {"committee": "县政协教科文卫体委员会", "unit": "县教育局",
                                                "kind": "提案", "title": "关于校车安全的建议",
                                                "received": "2017-03-01"}})
    assert host.data(sub)["liaison"]["due"] == "2017-06-01"


def test_the_shipped_processes_are_what_the_build_script_draws():
    import importlib.util
    from pathlib import Path
    root = Path(__file__).resolve().parents[1]
    spec = importlib.util.spec_from_file_location("build_bpmn", root / "tools" / "build_bpmn.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    for pid, name, steps in build.PROCESSES:
        shipped = (root / "oa_liaison_plugin" / "hosts" / "bpmn" / "processes" / f"{pid}.bpmn").read_text("utf-8")
        assert shipped == build.build(pid, name, steps), f"{pid}.bpmn differs: run tools/build_bpmn.py"
        # every element has a shape or an edge in the diagram, so a modeler draws the whole process
        from lxml import etree
        root_el = etree.fromstring(shipped.encode())
        ns = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
              "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI"}
        ids = {e.get("id") for e in root_el.find("bpmn:process", ns)}
        drawn = {e.get("bpmnElement") for e in root_el.iterfind(".//bpmndi:*[@bpmnElement]", ns)} - {pid}
        assert ids == drawn


MAJOR = {"issuer": "南部县自然资源和规划局", "title": "关于南部县国土空间总体规划的意见", "doc_code": "南自然资发",
         "issued_on": "2017-03-01", "flags": {"major": True}, "main_recipients": ["各乡镇人民政府"]}


def to_consultation(host) -> str:
    key = host.start("fawen", dict(MAJOR))
    for step in ("draft", "review", "countersign"):
        host.complete(key, step, {})
    return key


def _consultations(app, key):
    from oa_liaison_plugin.models import Consultation
    with app.app_context():
        return db.session.scalars(select(Consultation).join(Document).where(
            Document.host_id == f"bpmn-{key}").order_by(Consultation.id)).all()


def test_a_major_matter_waits_for_the_committees_and_the_signer_sees_their_opinion(app, liaison):
    from oa_liaison_plugin.audit import Actor
    from oa_liaison_plugin.models import utcnow
    from oa_liaison_plugin.operations import consultations as ops
    host = BpmnHost(liaison)
    key = to_consultation(host)
    assert [t for t in host.tasks("fawen") if t["key"] == key] == []   # no person's step: waiting for the committees
    opened = _consultations(app, key)
    assert [c.stage for c in opened] == ["before"] and host.data(key) is not None
    assert host.refresh() == []                                          # not answered, not due: still waiting
    with liaison.work(Actor.cli()) as uow:
        ops.answer(uow, db.session.get(type(opened[0]), opened[0].id), "建议补充生态保护红线", utcnow(), "修改意见")
    assert host.refresh() == [key]                                       # the message: all answered
    waiting = [t for t in host.tasks("fawen") if t["key"] == key]
    assert [t["step"] for t in waiting] == ["sign"]
    advice = waiting[0]["data"]["liaison_advice"]
    assert any("修改意见——建议补充生态保护红线" in m for m in advice)
    host.complete(key, "sign", {"approved": True})
    done = host.complete(key, "seal", {})
    assert done["liaison"]["status"] == "routed"
    assert len(_consultations(app, key)) == 1                            # issuing opened no second one
    from oa_liaison_plugin.models import Decision
    with app.app_context():
        doc = db.session.scalar(select(Document).where(Document.host_id == f"bpmn-{key}"))
        last = db.session.scalar(select(Decision).where(Decision.document_id == doc.id).order_by(Decision.id.desc()))
        assert "not_consulted_before" not in [r["code"] for r in last.reasons]


def test_the_timer_at_the_due_date_takes_a_waiting_major_matter_to_signing(app, liaison):
    app.config["CONSULTATION_WORKING_DAYS"] = 0   # due today: the timer's time has come when the pass runs
    host = BpmnHost(liaison)
    key = to_consultation(host)
    waiting = [t for t in host.tasks("fawen") if t["key"] == key]
    assert [t["step"] for t in waiting] == ["sign"]                      # the timer fired, nothing answered
    assert any("尚未反馈" in m for m in waiting[0]["data"]["liaison_advice"])


def test_a_restart_while_waiting_resumes_the_wait_and_a_second_pass_opens_nothing(app, liaison):
    from oa_liaison_plugin.app import create_app
    from oa_liaison_plugin.audit import Actor
    from oa_liaison_plugin.models import Consultation, utcnow
    from oa_liaison_plugin.operations import consultations as ops
    host = BpmnHost(liaison)
    key = to_consultation(host)
    app2 = create_app(dict(app.config), instance_path=app.instance_path)   # a new process on the same database
    liaison2 = app2.extensions["oa_liaison"]
    host2 = BpmnHost(liaison2)
    assert host2.refresh() == [] and host2.tasks("fawen") == []
    first = _consultations(app, key)[0].id
    with liaison2.work(Actor.cli()) as uow:
        ops.answer(uow, db.session.get(Consultation, first), "同意", utcnow(), "同意")
    assert host2.refresh() == [key]
    assert [t["step"] for t in host2.tasks("fawen")] == ["sign"]
    assert [c.id for c in _consultations(app, key)] == [first]
    with app2.app_context():
        db.session.remove()
        db.engine.dispose()
